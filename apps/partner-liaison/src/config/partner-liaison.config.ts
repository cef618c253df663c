import { AuthConfig, readAuthConfig } from '@ctp/auth';
import { NatsCredentials, readNatsCredentials } from '@ctp/messaging';
import { EnvReader } from '@ctp/observability';
import { resolveDatabaseUrl } from '@ctp/persistence';
import { LevelWithSilent } from 'pino';
import { readWebhookSecurityConfig, WebhookSecurityConfig } from './webhook-security.config';

export interface PartnerLiaisonConfig {
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
  /** How often partner-liaison looks whether to publish a digest of each partner's records for reconciliation. */
  reconcileIntervalMs: number;
  /** A partner's digest is published at least this often even when nothing changed. */
  reconcileHeartbeatMs: number;
  /**
   * Partners' webhooks: the key sealing their secrets (WEBHOOK_SECRET_KEY), rotation grace, allowed destinations;
   * read only when serving (the tools that do not serve need no key).
   */
  webhooks?: WebhookSecurityConfig;
}

/** The only place partner-liaison reads process.env. */
export function loadPartnerLiaisonConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { serveHttp?: boolean; devKeyFile?: string } = {},
): PartnerLiaisonConfig {
  const r = new EnvReader(env);
  const config: PartnerLiaisonConfig = {
    service: 'partner-liaison',
    port: r.int('PORT', 3200, 1, 65535),
    natsUrl: r.url('NATS_URL', 'nats://127.0.0.1:4222', ['nats:', 'tls:']),
    natsCredentials: readNatsCredentials(r, 'partner-liaison', env),
    auth: options.serveHttp === false ? undefined : readAuthConfig(r, env),
    natsStreamReplicas: r.int('NATS_STREAM_REPLICAS', 1, 1, 5),
    databaseUrl: r.url('DATABASE_URL', resolveDatabaseUrl('ctp_partner_liaison', env), ['postgres:', 'postgresql:']),
    logLevel: r.logLevel(),
    reconcileIntervalMs: r.int('RECONCILE_INTERVAL_MS', 60_000, 100, 86_400_000),
    reconcileHeartbeatMs: r.int('RECONCILE_HEARTBEAT_MS', 15 * 60_000, 100, 86_400_000),
    webhooks: options.serveHttp === false ? undefined : readWebhookSecurityConfig(r, env, options),
  };
  r.done('partner-liaison');
  return config;
}

export const PARTNER_LIAISON_CONFIG = Symbol('PARTNER_LIAISON_CONFIG');
