/**
 * `npm run outbox:replay -- --service hub-eur --since 2026-11-26T08:00:00Z` (or `--since 2h`)
 *
 * Re-publishes a service's already-sent outbox events since a point in time, with their original event ids: for a
 * stream that was lost or restored from an older backup. Consumers apply each event at most once (their inboxes), so
 * replaying too much is harmless; replaying too little is not — when in doubt, go further back.
 */
import { connectAdmin } from './admin-nats';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  DEFAULT_OUTBOX_RELAY_OPTIONS,
  DEFAULT_TOPOLOGY,
  ensureStreams,
  MESSAGING_MIGRATIONS,
  OutboxRelay,
} from '@ctp/messaging';
import { createLogger, Metrics } from '@ctp/observability';
import { buildDataSourceOptions, openDataSource, redactDatabaseUrl, resolveDatabaseUrl } from '@ctp/persistence';

const SERVICE_DATABASES: Record<string, string> = {
  'hub-afr': 'ctp_hub_afr',
  'hub-mde': 'ctp_hub_mde',
  'hub-asi': 'ctp_hub_asi',
  'hub-eur': 'ctp_hub_eur',
  platform: 'ctp_platform',
  'partner-liaison': 'ctp_partner_liaison',
};

export function parseSince(value: string, now = Date.now()): Date {
  const rel = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (rel) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(rel[1]) * unit);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new Error(`--since ${JSON.stringify(value)}: use an ISO time or a duration like 30m, 2h, 7d`);
  return new Date(t);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const service = arg('service');
  const sinceArg = arg('since');
  if (!service || !SERVICE_DATABASES[service] || !sinceArg) {
    throw new Error(
      `usage: npm run outbox:replay -- --service <${Object.keys(SERVICE_DATABASES).join('|')}> --since <ISO time|30m|2h|7d>`,
    );
  }
  const since = parseSince(sinceArg);
  const databaseUrl = process.env.DATABASE_URL || resolveDatabaseUrl(SERVICE_DATABASES[service]);
  const logger = createLogger('outbox-replay', 'info');
  const ds = await openDataSource({
    dataSourceOptions: buildDataSourceOptions({
      databaseUrl,
      applicationName: 'outbox-replay',
      migrations: MESSAGING_MIGRATIONS,
    }),
    createDatabase: false,
    runMigrations: false,
  });
  const nc = await connectAdmin('outbox-replay');
  try {
    await ensureStreams(await jetstreamManager(nc, { checkAPI: false }), DEFAULT_TOPOLOGY);
    const relay = new OutboxRelay(ds, jetstream(nc), logger, new Metrics('outbox-replay'), {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
    });
    const { republished } = await relay.replaySince(since);
    logger.info({
      msg: 'outbox replayed',
      service,
      database: redactDatabaseUrl(databaseUrl),
      since: since.toISOString(),
      republished,
    });
  } finally {
    await nc.drain();
    await ds.destroy();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`outbox:replay: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
