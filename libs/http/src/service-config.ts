import { AuthConfig, readAuthConfig } from '@ctp/auth';
import { NatsCredentials, readNatsCredentials } from '@ctp/messaging';
import { EnvReader } from '@ctp/observability';
import { resolveDatabaseUrl } from '@ctp/persistence';
import { LevelWithSilent } from 'pino';

/** The settings every service has, read the same way by each (its `config/*.config.ts` adds its own). */
export interface ServiceConfig {
  service: string;
  port: number;
  natsUrl: string;
  /** Who the service is on NATS (NATS_NKEY_SEED_FILE, …, NATS_TLS_*); anonymous without. */
  natsCredentials: NatsCredentials;
  /**
   * How bearer tokens are verified (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL or AUTH_JWKS_FILE, …); required to serve
   * HTTP, absent for tools that do not (the migration CLI, a rebuild).
   */
  auth?: AuthConfig;
  /** Replicas of the JetStream streams when this service creates them (3 on a three-node cluster). */
  natsStreamReplicas: number;
  databaseUrl: string;
  logLevel: LevelWithSilent;
}

export interface ServiceConfigSpec {
  /** The service's name, also its NATS identity (e.g. `hub-eur`, `platform`). */
  service: string;
  /** PORT when unset. */
  defaultPort: number;
  /** The database named when DATABASE_URL is unset (built from the PG* variables). */
  database: string;
  /** false for tools that do not serve HTTP: no bearer-token settings are read. */
  serveHttp?: boolean;
}

/**
 * Reads the settings every service has (PORT, NATS_URL, the NATS identity, AUTH_*, NATS_STREAM_REPLICAS, DATABASE_URL,
 * LOG_LEVEL), in that order, into `r`: its problems are reported with the service's own by `r.done`.
 */
export function readServiceConfig(r: EnvReader, env: NodeJS.ProcessEnv, spec: ServiceConfigSpec): ServiceConfig {
  return {
    service: spec.service,
    port: r.int('PORT', spec.defaultPort, 1, 65535),
    natsUrl: r.url('NATS_URL', 'nats://127.0.0.1:4222', ['nats:', 'tls:']),
    natsCredentials: readNatsCredentials(r, spec.service, env),
    auth: spec.serveHttp === false ? undefined : readAuthConfig(r, env),
    natsStreamReplicas: r.int('NATS_STREAM_REPLICAS', 1, 1, 5),
    databaseUrl: r.url('DATABASE_URL', resolveDatabaseUrl(spec.database, env), ['postgres:', 'postgresql:']),
    logLevel: r.logLevel(),
  };
}
