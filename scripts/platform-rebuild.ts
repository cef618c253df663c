/**
 * `npm run platform:rebuild [-- --database ctp_platform_rebuild] [--keep]`
 *
 * Replays CTP_EVENTS from its first message into a fresh platform read model (its own database, its own temporary
 * durable consumers, publishing nothing), through the same consumer code as the live platform, then compares it with
 * the live read model and says whether they agree. Analysts' decisions on pairs and the matching models applied are
 * operator input, not derived from events: they are copied from the live database first, so the replay scores pairs
 * with the model in use live. (Live pairs stored before a model was applied keep the older model's verdicts until
 * their records change: a replay after an apply may then differ, and says so.) Exits 0 when both agree, 1 when they
 * differ.
 */
import 'reflect-metadata';
import { adminNatsSettings, connectAdmin } from './admin-nats';
import { NestFactory } from '@nestjs/core';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import { JetStreamNames, Subjects } from '@ctp/contracts';
import { JetStreamServer } from '@ctp/messaging';
import { createLogger, NestPinoLogger } from '@ctp/observability';
import { databaseName, ensureDatabaseExists, redactDatabaseUrl } from '@ctp/persistence';
import { loadPlatformConfig } from '../apps/platform/src/config/platform.config';
import { ActiveMatchingModel } from '../apps/platform/src/overlaps/application/active-matching-model';
import { DetectionWorker } from '../apps/platform/src/overlaps/application/detection-worker';
import { PlatformModule } from '../apps/platform/src/platform.module';
import { registryDigest, RegistryDigest } from '../apps/platform/src/rebuild/registry-digest';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function dropDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${databaseName(url).replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/** Waits (until `deadline`) for the live platform's detection queue to be empty, so both models are compared whole. */
async function liveDetectionDrained(url: string, deadline: number): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    for (;;) {
      const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM detection_queue`);
      if (rows[0].n === 0) return;
      if (Date.now() > deadline)
        throw new Error(`the live platform still has ${rows[0].n} records queued for detection`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await c.end();
  }
}

export async function rebuild(options: { targetDatabase: string; keep: boolean; timeoutMs?: number }): Promise<{
  live: RegistryDigest;
  rebuilt: RegistryDigest;
  same: boolean;
  events: number;
}> {
  const live = loadPlatformConfig(process.env, { serveHttp: false });
  const targetUrl = new URL(live.databaseUrl);
  targetUrl.pathname = `/${options.targetDatabase}`;
  if (targetUrl.toString() === live.databaseUrl) throw new Error('the rebuild database must not be the live one');
  const logger = createLogger('platform-rebuild', process.env.LOG_LEVEL === 'debug' ? 'debug' : 'warn');
  const say = (line: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ service: 'platform-rebuild', ...line })}\n`);
  await dropDatabase(targetUrl.toString());
  await ensureDatabaseExists(targetUrl.toString());
  const suffix = `rebuild-${Date.now()}`;
  const consumers = [
    { durable: `platform-hubs-${suffix}`, filterSubject: Subjects.allHubs },
    { durable: `platform-partners-${suffix}`, filterSubject: Subjects.allPartners },
  ];
  // The rebuild reads with consumers of its own, which it creates and deletes: as admin, not as the platform.
  const config = {
    ...live,
    databaseUrl: targetUrl.toString(),
    service: 'platform-rebuild',
    natsUrl: adminNatsSettings().url,
    natsCredentials: adminNatsSettings().credentials,
  };
  const app = await NestFactory.create(
    PlatformModule.register(config, logger, { consumers, publish: false, provision: true }),
    {
      logger: new NestPinoLogger(logger),
    },
  );
  const nc = await connectAdmin('platform-rebuild');
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  try {
    // Decisions first, so that replayed pairs meet them as they would have live.
    const liveDb = new Client({ connectionString: live.databaseUrl });
    await liveDb.connect();
    const decisions = (
      await liveDb.query(
        `SELECT a_id, b_id, decision, decision_note, decided_at, decided_by_sub, decided_by_org
           FROM overlap_pairs WHERE decision IS NOT NULL`,
      )
    ).rows;
    // The matching models applied live, so that the replay scores pairs with the model the live platform uses.
    const models = (
      await liveDb.query(`SELECT version, model, applied_at, applied_by, note FROM matching_models ORDER BY applied_at`)
    ).rows;
    await liveDb.end();
    await app.init();
    if (models.length) {
      const target = new Client({ connectionString: targetUrl.toString() });
      await target.connect();
      await target.query(
        `INSERT INTO matching_models (version, model, applied_at, applied_by, note)
         SELECT x.version, x.model, x.applied_at, x.applied_by, x.note
           FROM jsonb_to_recordset($1::jsonb) AS x(version text, model jsonb, applied_at timestamptz, applied_by text,
                                                  note text)`,
        [JSON.stringify(models)],
      );
      await target.end();
    }
    // Read before the first event is replayed (it was read at init, before the rows were copied).
    const model = await app.get(ActiveMatchingModel).refresh();
    if (decisions.length) {
      const target = new Client({ connectionString: targetUrl.toString() });
      await target.connect();
      await target.query(
        `INSERT INTO overlap_pairs (a_id, b_id, decision, decision_note, decided_at, decided_by_sub, decided_by_org, effective)
         SELECT x.a_id, x.b_id, x.decision, x.decision_note, x.decided_at, x.decided_by_sub, x.decided_by_org,
                CASE x.decision WHEN 'CONFIRMED' THEN 'DUPLICATE' END
           FROM jsonb_to_recordset($1::jsonb) AS x(a_id text, b_id text, decision text, decision_note text,
                                                  decided_at timestamptz, decided_by_sub text, decided_by_org text)`,
        [JSON.stringify(decisions)],
      );
      await target.end();
    }
    const stream = await jsm.streams.info(JetStreamNames.eventsStream);
    say({
      msg: 'rebuild started',
      from: redactDatabaseUrl(live.databaseUrl),
      into: redactDatabaseUrl(targetUrl.toString()),
      streamMessages: stream.state.messages,
      decisionsCopied: decisions.length,
      matchingModel: model.model.version,
    });
    app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    let quietSince = 0;
    for (;;) {
      const lag = await app.get(JetStreamServer).lag();
      const pending = Object.values(lag).reduce((n, l) => n + l.pending + l.ackPending, 0);
      if (pending === 0 && Object.keys(lag).length === consumers.length) {
        if (!quietSince) quietSince = Date.now();
        if (Date.now() - quietSince > 1000) break;
      } else quietSince = 0;
      if (Date.now() > deadline)
        throw new Error(`rebuild not caught up after ${options.timeoutMs} ms (${pending} pending)`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Every replayed change compared for duplicates, here and (as far as it has caught up) in the live platform.
    await app.get(DetectionWorker).idle();
    await app.close();
    await liveDetectionDrained(live.databaseUrl, deadline);
    const [liveDigest, rebuilt] = await Promise.all([
      registryDigest(live.databaseUrl),
      registryDigest(targetUrl.toString()),
    ]);
    const same = liveDigest.hash === rebuilt.hash;
    say({
      msg: same ? 'rebuild matches the live read model' : 'rebuild DIFFERS from the live read model',
      live: liveDigest,
      rebuilt,
    });
    return { live: liveDigest, rebuilt, same, events: stream.state.messages };
  } finally {
    for (const c of consumers)
      await jsm.consumers.delete(JetStreamNames.eventsStream, c.durable).catch(() => undefined);
    await nc.drain();
    await app.close().catch(() => undefined);
    if (!options.keep) await dropDatabase(targetUrl.toString());
  }
}

if (require.main === module) {
  rebuild({ targetDatabase: arg('database') ?? 'ctp_platform_rebuild', keep: process.argv.includes('--keep') }).then(
    (r) => process.exit(r.same ? 0 : 1),
    (err: Error) => {
      process.stderr.write(`platform:rebuild: ${err.message}\n`);
      process.exit(2);
    },
  );
}
