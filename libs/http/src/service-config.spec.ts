import { EnvReader } from '@ctp/observability';
import { readServiceConfig } from './service-config';

const spec = { service: 'hub-eur', defaultPort: 3104, database: 'ctp_hub_eur', serveHttp: false };

describe('readServiceConfig', () => {
  it('defaults: the service’s port, a local NATS and PostgreSQL (its own database), one replica, info', () => {
    const r = new EnvReader({});
    expect(readServiceConfig(r, {}, spec)).toEqual({
      service: 'hub-eur',
      port: 3104,
      natsUrl: 'nats://127.0.0.1:4222',
      natsCredentials: { identity: 'hub-eur' },
      auth: undefined,
      natsStreamReplicas: 1,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/ctp_hub_eur',
      logLevel: 'info',
    });
    expect(r.problems).toEqual([]);
  });

  it('collects every problem, in the order the settings are read, for the service to report at once', () => {
    const env = { PORT: '0', NATS_URL: 'http://x', NATS_STREAM_REPLICAS: '9', DATABASE_URL: 'mysql://h/db' };
    const r = new EnvReader(env);
    readServiceConfig(r, env, { ...spec, serveHttp: true });
    expect(r.problems.map((p) => p.split(/[= ]/)[0])).toEqual([
      'PORT',
      'NATS_URL',
      'AUTH_ISSUER',
      'AUTH_AUDIENCE',
      'AUTH_JWKS_URL',
      'NATS_STREAM_REPLICAS',
      'DATABASE_URL',
    ]);
  });
});
