/**
 * `npm run platform:rebuild [-- --database ctp_platform_rebuild] [--keep] [--timeout 30m]`
 *
 * Replays CTP_EVENTS from its first message into a fresh platform read model (its own database, its own temporary
 * durable consumers, publishing nothing: no events, and the messages it dead-letters only recorded in its own
 * database, never copied to the live dead-letter stream), through the same consumer code as the live platform, then
 * compares it with the live read model and says whether they agree. Analysts' decisions on pairs and the matching
 * models applied are operator input, not derived from events: they are copied from the live database first, so the
 * replay scores pairs with the model in use live. (Live pairs stored before a model was applied keep the older
 * model's verdicts until their records change: a replay after an apply may then differ, and says so.) Exits 0 when
 * both agree, 1 when they differ (or the rebuild failed), 2 on bad arguments, 3 when NATS or PostgreSQL cannot be
 * reached. Progress (the replay, then duplicate detection in the rebuilt and the live read models) goes to stderr.
 */
import 'reflect-metadata';
import { adminNatsSettings, connectAdmin } from './admin-nats';
import {
  connecting,
  exitCodesHelp,
  HELP_OPTION,
  main as runMain,
  parseCommandLine,
  parseDuration,
  Progress,
  UsageError,
} from './cli';
import { describePostgresFailure } from './preflight';
import { NestFactory } from '@nestjs/core';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import { JetStreamNames, Subjects } from '@ctp/contracts';
import { JetStreamServer } from '@ctp/messaging';
import { createLogger, NestPinoLogger } from '@ctp/observability';
import { databaseName, ensureDatabaseExists, redactDatabaseUrl } from '@ctp/persistence';
import { DETECTION_DEFER_MAX_MS, loadPlatformConfig } from '../apps/platform/src/config/platform.config';
import { ActiveMatchingModel } from '../apps/platform/src/overlaps/application/active-matching-model';
import { DetectionWorker } from '../apps/platform/src/overlaps/application/detection-worker';
import { PlatformModule } from '../apps/platform/src/platform.module';
import { registryDigest, RegistryDigest } from '../apps/platform/src/rebuild/registry-digest';

export const DEFAULT_REBUILD_DATABASE = 'ctp_platform_rebuild';
const DEFAULT_TIMEOUT = '30m';

export const USAGE = `Usage: npm run platform:rebuild [-- --database <name>] [--keep] [--timeout <duration>]

Replays the stream CTP_EVENTS from its first message into a fresh platform read model (a database of its own, its own
temporary durable consumers, publishing nothing: the messages it dead-letters are recorded in its database only, not
copied to the dead-letter stream), through the same consumer code as the live platform, then compares it with the live
read model and says whether they agree. Analysts' decisions on pairs and the matching models applied are copied from
the live database first. The live platform is only read.

  --database <name>     the database to rebuild into, dropped first and afterwards (default ${DEFAULT_REBUILD_DATABASE});
                        never the live one
  --keep                keep that database afterwards, to look into a difference
  --timeout <duration>  give up when the replay and detection are not done within it (default ${DEFAULT_TIMEOUT}; 90s, 2h)
  -h, --help            this text

The live platform's settings: DATABASE_URL (else PGHOST, PGPORT, PGUSER, PGPASSWORD, database ctp_platform; a role
that may create and drop databases), NATS_URL, as admin (NATS_IDENTITIES_DIR or NATS_NKEY_SEED_FILE, …).
On stdout: a JSON line when it starts ("rebuild started", streamMessages) and one with the result ("rebuild matches
the live read model" or "rebuild DIFFERS from the live read model", both digests). On stderr: progress of the replay,
then of duplicate detection (one updating line on a terminal, a line every 5 s otherwise).

Examples:
  npm run platform:rebuild
  npm run platform:rebuild -- --database ctp_platform_check --keep
  DATABASE_URL=postgres://ops@db.internal/ctp_platform npm run platform:rebuild -- --timeout 2h

${exitCodesHelp('the rebuilt read model differs from the live one, or the rebuild failed')}`;

export interface RebuildArgs {
  targetDatabase: string;
  keep: boolean;
  timeoutMs: number;
}

export function parseRebuildArgs(argv: readonly string[]): RebuildArgs {
  const { values } = parseCommandLine(argv, {
    options: {
      database: { type: 'string' },
      keep: { type: 'boolean' },
      timeout: { type: 'string' },
      ...HELP_OPTION,
    },
  });
  const targetDatabase = values.database ?? DEFAULT_REBUILD_DATABASE;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(targetDatabase)) {
    throw new UsageError(`--database ${JSON.stringify(targetDatabase)}: letters, digits and _, at most 63`);
  }
  const timeoutMs = parseDuration(values.timeout ?? DEFAULT_TIMEOUT);
  if (!timeoutMs) throw new UsageError(`--timeout ${JSON.stringify(values.timeout)}: a duration like 90s, 30m, 2h`);
  return { targetDatabase, keep: values.keep === true, timeoutMs };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `poll` every `everyMs` until `work` settles; then what `work` gave. */
async function polling<T>(work: Promise<T>, poll: () => Promise<void>, everyMs = 500): Promise<T> {
  let settled = false;
  const done = work.finally(() => (settled = true));
  while (!settled) {
    await Promise.race([done.catch(() => undefined), sleep(everyMs)]);
    if (!settled) await poll().catch(() => undefined);
  }
  return done;
}

/** Records queued for duplicate detection in the database at `url`. */
async function queuedForDetection(c: Client): Promise<number> {
  const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM detection_queue`);
  return rows[0].n;
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
  const progress = new Progress({ label: 'waiting for live duplicate detection', unit: 'records', quietForMs: 1000 });
  let most = 0;
  try {
    for (;;) {
      const n = await queuedForDetection(c);
      most = Math.max(most, n);
      progress.update(most - n, most);
      if (n === 0) break;
      if (Date.now() > deadline) throw new Error(`the live platform still has ${n} records queued for detection`);
      await sleep(200);
    }
    progress.finish();
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
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const logger = createLogger('platform-rebuild', process.env.LOG_LEVEL === 'debug' ? 'debug' : 'warn');
  const say = (line: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ service: 'platform-rebuild', ...line })}\n`);
  // Both connections first: one that cannot be made is exit 3, before anything is created or dropped.
  const nc = await connecting(() => connectAdmin('platform-rebuild'));
  const liveDb = new Client({ connectionString: live.databaseUrl });
  try {
    await connecting(
      () => liveDb.connect(),
      (err) =>
        describePostgresFailure(err, live.databaseUrl, {
          loginVariables: 'DATABASE_URL (or PGUSER and PGPASSWORD)',
        }).message,
    );
  } catch (err) {
    await liveDb.end().catch(() => undefined);
    await nc.close();
    throw err;
  }
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const suffix = `rebuild-${Date.now()}`;
  const consumers = [
    { durable: `platform-hubs-${suffix}`, filterSubject: Subjects.allHubs },
    { durable: `platform-partners-${suffix}`, filterSubject: Subjects.allPartners },
  ];
  let app: Awaited<ReturnType<typeof NestFactory.create>> | undefined;
  let targetCreated = false;
  try {
    // Decisions first, so that replayed pairs meet them as they would have live.
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
    await dropDatabase(targetUrl.toString());
    await ensureDatabaseExists(targetUrl.toString());
    targetCreated = true;
    // The rebuild reads with consumers of its own, which it creates and deletes: as admin, not as the platform.
    const config = {
      ...live,
      databaseUrl: targetUrl.toString(),
      service: 'platform-rebuild',
      natsUrl: adminNatsSettings().url,
      natsCredentials: adminNatsSettings().credentials,
      // Detection waits for the replay (nobody reads the rebuild meanwhile): the records it queues are then compared in
      // date order (below), not the few thousand a run took every few seconds in arrival order while replaying.
      detectionDeferMs: DETECTION_DEFER_MAX_MS,
      // Larger runs: a run's fixed costs (its stored pairs, the blocking rows, the last save it waits for) are paid
      // once per run, and with 200,000 records replayed 2,000 a run paid them 100 times (docs/benchmark.md).
      detectionMaxBatch: Math.max(live.detectionMaxBatch, REBUILD_DETECTION_BATCH),
    };
    // publish: false — no outbox relay, and dead letters recorded in the rebuild's database only (RecordOnlyDeadLetters).
    app = await NestFactory.create(
      PlatformModule.register(config, logger, { consumers, publish: false, provision: true }),
      {
        logger: new NestPinoLogger(logger),
      },
    );
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
    // The events the rebuild's consumers will read: those on the hubs' and partners' subjects.
    let toReplay = 0;
    for (const c of consumers) {
      const info = await jsm.streams.info(JetStreamNames.eventsStream, { subjects_filter: c.filterSubject });
      toReplay += Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    }
    say({
      msg: 'rebuild started',
      from: redactDatabaseUrl(live.databaseUrl),
      into: redactDatabaseUrl(targetUrl.toString()),
      streamMessages: stream.state.messages,
      eventsToReplay: toReplay,
      decisionsCopied: decisions.length,
      matchingModel: model.model.version,
    });
    const replay = new Progress({ label: `replaying ${JetStreamNames.eventsStream}`, unit: 'events', total: toReplay });
    replay.update(0);
    app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    const deadline = Date.now() + timeoutMs;
    let quietSince = 0;
    for (;;) {
      const lag = await app.get(JetStreamServer).lag();
      const pending = Object.values(lag).reduce((n, l) => n + l.pending + l.ackPending, 0);
      const ready = Object.keys(lag).length === consumers.length;
      if (ready) {
        toReplay = Math.max(toReplay, pending);
        replay.update(toReplay - pending, toReplay);
      }
      if (pending === 0 && ready) {
        if (!quietSince) quietSince = Date.now();
        if (Date.now() - quietSince > 1000) break;
      } else quietSince = 0;
      if (Date.now() > deadline) {
        replay.finish('timed out');
        throw new Error(`rebuild not caught up after ${timeoutMs} ms (${pending} pending)`);
      }
      await sleep(200);
    }
    replay.finish();
    // From now on, detection gives way to the consumer as the live platform's does (events that arrive during the
    // rebuild are applied too).
    config.detectionDeferMs = live.detectionDeferMs;
    // The records still queued for detection (most of them: detection gives way to the replay) in date order, so that
    // each run's candidates are mostly those the run before loaded (in arrival order, at 200,000 records, most
    // candidates of every run were read and prepared again).
    await app.get(DetectionWorker).orderQueueByDates();
    // Every replayed change compared for duplicates, here and (as far as it has caught up) in the live platform.
    const target = new Client({ connectionString: targetUrl.toString() });
    await target.connect();
    try {
      // The tables the replay filled from nothing, vacuumed and analysed while detection starts on them: their
      // statistics were those of empty tables, and the queue just reordered holds as many dead rows as live ones.
      await target.query(`VACUUM (ANALYZE) detection_queue, registry_initiatives, overlap_pairs`);
      const detection = new Progress({ label: 'duplicate detection in the rebuild', unit: 'records' });
      let most = await queuedForDetection(target);
      detection.update(0, most);
      // Every 2 s: counting a queue of 200,000 records takes tens of ms of the database's time.
      await polling(
        app.get(DetectionWorker).idle(),
        async () => {
          const n = await queuedForDetection(target);
          most = Math.max(most, n);
          detection.update(most - n, most);
        },
        2000,
      );
      // Its runs store no clusters (they publish nothing): the clusters from all the pairs, once, when no event can
      // come any more — its consumers stopped, and what they applied last detected.
      await app.get(JetStreamServer).close();
      await app.get(DetectionWorker).idle();
      await app.get(DetectionWorker).reclusterAll();
      detection.update(most, most);
      detection.finish();
    } finally {
      await target.end();
    }
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
      // What the rebuild held in memory at most (the live platform's own is another process's).
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    });
    return { live: liveDigest, rebuilt, same, events: stream.state.messages };
  } finally {
    await liveDb.end().catch(() => undefined);
    for (const c of consumers)
      await jsm.consumers.delete(JetStreamNames.eventsStream, c.durable).catch(() => undefined);
    await nc.drain();
    await app?.close().catch(() => undefined);
    if (targetCreated && !options.keep) await dropDatabase(targetUrl.toString());
  }
}

/** Records a detection run of the rebuild takes at most (DETECTION_MAX_BATCH, if the live setting is larger). */
export const REBUILD_DETECTION_BATCH = 5_000;

if (require.main === module) {
  // Exits when done: the platform module's timers and connections must not keep a finished rebuild alive.
  runMain(
    'platform:rebuild',
    USAGE,
    async (argv) => {
      const args = parseRebuildArgs(argv);
      return (await rebuild(args)).same ? 0 : 1;
    },
    { exit: true },
  );
}
