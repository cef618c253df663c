/**
 * `npm run outbox:replay -- --service hub-eur --since 2026-11-26T08:00:00Z` (or `--since 2h`) `[--dry-run]`
 *
 * Re-publishes a service's already-sent outbox events since a point in time, with their original event ids: for a
 * stream that was lost or restored from an older backup. Consumers apply each event at most once (their inboxes), so
 * replaying too much is harmless; replaying too little is not — when in doubt, go further back.
 */
import { JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/nats-core';
import { DataSource } from 'typeorm';
import {
  DEFAULT_OUTBOX_RELAY_OPTIONS,
  DEFAULT_TOPOLOGY,
  ensureStreams,
  MESSAGING_MIGRATIONS,
  OutboxRelay,
} from '@ctp/messaging';
import { createLogger, Metrics } from '@ctp/observability';
import { buildDataSourceOptions, openDataSource, redactDatabaseUrl, resolveDatabaseUrl } from '@ctp/persistence';
import { adminNatsSettings, connectAdmin } from './admin-nats';
import {
  connecting,
  EXIT,
  exitCodesHelp,
  HELP_OPTION,
  main as runMain,
  parseCommandLine,
  parseDuration,
  Progress,
  PROCESS_IO,
  ToolIo,
  UsageError,
} from './cli';
import { describePostgresFailure } from './preflight';

export const SERVICE_DATABASES: Record<string, string> = {
  'hub-afr': 'ctp_hub_afr',
  'hub-mde': 'ctp_hub_mde',
  'hub-asi': 'ctp_hub_asi',
  'hub-eur': 'ctp_hub_eur',
  platform: 'ctp_platform',
  'partner-liaison': 'ctp_partner_liaison',
};

export function parseSince(value: string, now = Date.now()): Date {
  const ms = parseDuration(value);
  if (ms !== undefined) return new Date(now - ms);
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new UsageError(`--since ${JSON.stringify(value)}: use an ISO time or a duration like 30m, 2h, 7d`);
  return new Date(t);
}

export const USAGE = `Usage: npm run outbox:replay -- --service <service> --since <ISO time|duration> [--dry-run]

Re-publishes a service's already-sent outbox events created since a point in time, with their original event ids:
after a stream was lost or restored from an older backup. Consumers apply each event at most once (their inboxes), so
replaying too much is harmless; replaying too little is not: when in doubt, go further back. Sent rows are kept 7 days.

  --service <service>  ${Object.keys(SERVICE_DATABASES).join(', ')}
  --since <when>       an ISO time (2026-11-26T08:00:00Z) or a duration back from now (30m, 2h, 7d)
  --dry-run            count what would be re-published (events, first and last, per subject), publish nothing
  -h, --help           this text

The database: DATABASE_URL, else PGHOST, PGPORT, PGUSER, PGPASSWORD and the service's database (ctp_hub_eur, …).
NATS: NATS_URL (default nats://127.0.0.1:4222), as admin: NATS_IDENTITIES_DIR or NATS_NKEY_SEED_FILE, … (not used by
--dry-run). Progress goes to stderr (one updating line on a terminal, a line every 5 s otherwise); the result is a
JSON line on stdout ("outbox replayed", republished: N).

Examples:
  npm run outbox:replay -- --service hub-eur --since 2h --dry-run
  npm run outbox:replay -- --service hub-eur --since 2h
  npm run outbox:replay -- --service partner-liaison --since 2026-11-26T08:00:00Z

${exitCodesHelp()}`;

export interface ReplayArgs {
  service: string;
  since: Date;
  dryRun: boolean;
}

export function parseReplayArgs(argv: readonly string[], now = Date.now()): ReplayArgs {
  const { values } = parseCommandLine(argv, {
    options: {
      service: { type: 'string' },
      since: { type: 'string' },
      'dry-run': { type: 'boolean' },
      ...HELP_OPTION,
    },
  });
  if (!values.service) throw new UsageError('--service is required');
  if (!SERVICE_DATABASES[values.service]) {
    throw new UsageError(
      `--service ${JSON.stringify(values.service)}: one of ${Object.keys(SERVICE_DATABASES).join(', ')}`,
    );
  }
  if (!values.since) throw new UsageError('--since is required');
  return { service: values.service, since: parseSince(values.since, now), dryRun: values['dry-run'] === true };
}

interface ReplayCount {
  events: number;
  first: string | null;
  last: string | null;
  subjects: Record<string, number>;
}

/** What a replay since `since` would re-publish: the sent rows created since then (as OutboxRelay.replaySince reads). */
async function countReplay(ds: DataSource, since: Date): Promise<ReplayCount> {
  const rows: { subject: string; n: number; first: Date; last: Date }[] = await ds.query(
    `SELECT subject, count(*)::int AS n, min(created_at) AS first, max(created_at) AS last FROM outbox_events
      WHERE sent_at IS NOT NULL AND created_at >= $1 GROUP BY subject ORDER BY subject`,
    [since.toISOString()],
  );
  const iso = (d: Date | undefined) => (d ? new Date(d).toISOString() : null);
  return {
    events: rows.reduce((n, r) => n + r.n, 0),
    first: iso(rows.map((r) => r.first).sort((a, b) => +a - +b)[0]),
    last: iso(rows.map((r) => r.last).sort((a, b) => +b - +a)[0]),
    subjects: Object.fromEntries(rows.map((r) => [r.subject, r.n])),
  };
}

/** The JetStream client, counting each acknowledged publish (the relay's replay has no progress of its own). */
function counting(js: JetStreamClient, onAck: () => void): JetStreamClient {
  return new Proxy(js, {
    get(target, prop, receiver) {
      if (prop !== 'publish') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<JetStreamClient['publish']>) => {
        const ack = await target.publish(...args);
        onAck();
        return ack;
      };
    },
  });
}

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: ToolIo = PROCESS_IO,
): Promise<number> {
  const args = parseReplayArgs(argv);
  const databaseUrl = env.DATABASE_URL || resolveDatabaseUrl(SERVICE_DATABASES[args.service], env);
  const logger = createLogger('outbox-replay', 'info');
  const say = (line: Record<string, unknown>) => io.stdout(`${JSON.stringify(line)}\n`);
  const ds = await connecting(
    () =>
      openDataSource({
        dataSourceOptions: buildDataSourceOptions({
          databaseUrl,
          applicationName: 'outbox-replay',
          migrations: MESSAGING_MIGRATIONS,
        }),
        createDatabase: false,
        runMigrations: false,
      }),
    (err) => describePostgresFailure(err, databaseUrl).message,
  );
  let nc: NatsConnection | undefined;
  try {
    const count = await countReplay(ds, args.since);
    const what = {
      service: args.service,
      database: redactDatabaseUrl(databaseUrl),
      since: args.since.toISOString(),
    };
    if (args.dryRun) {
      say({ msg: 'outbox replay (dry run)', ...what, nats: adminNatsSettings(env).url, wouldRepublish: count });
      io.stderr(
        `${count.events} event(s) would be re-published${count.events ? ` (created ${count.first} … ${count.last})` : ''}` +
          ' (dry run: nothing published)\n',
      );
      return EXIT.ok;
    }
    nc = await connecting(() => connectAdmin('outbox-replay', env));
    await ensureStreams(await jetstreamManager(nc, { checkAPI: false }), DEFAULT_TOPOLOGY);
    const progress = new Progress({
      label: `re-publishing ${args.service}'s outbox`,
      unit: 'events',
      total: count.events,
    });
    progress.update(0);
    let acked = 0;
    const js = counting(jetstream(nc), () => progress.update(++acked));
    const relay = new OutboxRelay(ds, js, logger, new Metrics('outbox-replay'), { ...DEFAULT_OUTBOX_RELAY_OPTIONS });
    const { republished } = await relay.replaySince(args.since);
    progress.finish();
    say({ msg: 'outbox replayed', ...what, republished });
    return EXIT.ok;
  } finally {
    await nc?.drain().catch(() => undefined);
    await ds.destroy();
  }
}

if (require.main === module) runMain('outbox:replay', USAGE, (argv) => run(argv));
