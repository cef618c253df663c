import { readServiceConfig, ServiceConfig } from '@ctp/http';
import { EnvReader } from '@ctp/observability';
import { readWebhookSecurityConfig, WebhookSecurityConfig } from './webhook-security.config';

export interface PartnerLiaisonConfig extends ServiceConfig {
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
    ...readServiceConfig(r, env, {
      service: 'partner-liaison',
      defaultPort: 3200,
      database: 'ctp_partner_liaison',
      serveHttp: options.serveHttp,
    }),
    reconcileIntervalMs: r.int('RECONCILE_INTERVAL_MS', 60_000, 100, 86_400_000),
    reconcileHeartbeatMs: r.int('RECONCILE_HEARTBEAT_MS', 15 * 60_000, 100, 86_400_000),
    webhooks: options.serveHttp === false ? undefined : readWebhookSecurityConfig(r, env, options),
  };
  r.done('partner-liaison');
  return config;
}

export const PARTNER_LIAISON_CONFIG = Symbol('PARTNER_LIAISON_CONFIG');
