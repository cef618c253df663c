import { MixedList, EntitySchema } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

export interface ServiceDataSourceSpec {
  databaseUrl: string;
  /** Appears in pg_stat_activity, so a DBA can tell the services apart. */
  applicationName: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  /** Connections in the service's pool (DEFAULT_POOL_SIZE). */
  poolSize?: number;
}

/**
 * A service's PostgreSQL connections, at most. Bounded work inside a service stays below it and leaves room for the
 * rest: a hub's NATS intake takes at most INTAKE_MAX_CONCURRENT (≤ DEFAULT_POOL_SIZE - POOL_HEADROOM), so HTTP, the
 * outbox relay, reconciliation and the readiness check (`SELECT 1`) always find a connection during a burst.
 */
export const DEFAULT_POOL_SIZE = 10;
/** Connections left for everything but a service's bounded background or intake work. */
export const POOL_HEADROOM = 4;

/** The one place DataSource options are built: used by each app at start-up and by the TypeORM migration CLI. */
export function buildDataSourceOptions(spec: ServiceDataSourceSpec): PostgresConnectionOptions & { url: string } {
  return {
    type: 'postgres',
    url: spec.databaseUrl,
    applicationName: spec.applicationName,
    entities: spec.entities ?? [],
    migrations: spec.migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: spec.poolSize ?? DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: 5000,
      // JIT off for these sessions: the services run short queries, and PostgreSQL compiles any query whose estimate
      // passes jit_above_cost — the cluster walk (a recursive CTE, always over-estimated) paid ~220 ms of compilation
      // for ~40 ms of work on every detection run. No parallel workers either: starting them costs more than the short
      // queries they would share, and a planner with stale statistics (a table that grew since the last ANALYZE) chose
      // a parallel sequential scan for a lookup by a few hundred ids (16 ms instead of 1).
      options: '-c jit=off -c max_parallel_workers_per_gather=0',
    },
  };
}
