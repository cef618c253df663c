import { NatsConnection } from '@nats-io/nats-core';
import { connectNats, identityEnv, NatsCredentials, readNatsCredentials } from '@ctp/messaging';
import { EnvReader } from '@ctp/observability';

/**
 * How the operator tools (nats:provision, dlq, outbox:replay, platform:rebuild) connect: as `admin`, from
 * NATS_NKEY_SEED_FILE / NATS_CREDS_FILE / NATS_USER + NATS_TLS_*, or from NATS_IDENTITIES_DIR (the output of
 * `npm run nats:identities`); anonymously when none is set (a development server without authentication).
 */
export function adminNatsSettings(env: NodeJS.ProcessEnv = process.env): { url: string; credentials: NatsCredentials } {
  const e =
    env.NATS_IDENTITIES_DIR && !env.NATS_NKEY_SEED_FILE && !env.NATS_CREDS_FILE && !env.NATS_USER
      ? { ...env, ...identityEnv(env.NATS_IDENTITIES_DIR, 'admin') }
      : env;
  const r = new EnvReader(e);
  const url = r.url('NATS_URL', 'nats://127.0.0.1:4222', ['nats:', 'tls:']);
  const credentials = readNatsCredentials(r, 'admin', e);
  r.done('NATS admin connection');
  return { url, credentials };
}

export function connectAdmin(name: string, env: NodeJS.ProcessEnv = process.env): Promise<NatsConnection> {
  const { url, credentials } = adminNatsSettings(env);
  return connectNats({ url, name, credentials });
}
