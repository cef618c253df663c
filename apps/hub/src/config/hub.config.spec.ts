import { loadHubConfig } from './hub.config';

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  HUB_REGION: 'eur',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ctp_hub_eur',
  NATS_URL: 'nats://127.0.0.1:4222',
  ...extra,
});

describe('hub configuration: NATS intake concurrency', () => {
  it('defaults to 4 requests at once, 1,000 waiting, 10 s of wait', () => {
    const config = loadHubConfig(env(), { serveHttp: false });
    expect([config.intakeMaxConcurrent, config.intakeQueueMax, config.intakeQueueWaitMs]).toEqual([4, 1000, 10_000]);
  });

  it('lowers a value set for the old limit (e.g. 32) to what the pool can serve, instead of refusing to start', () => {
    expect(loadHubConfig(env({ INTAKE_MAX_CONCURRENT: '32' }), { serveHttp: false }).intakeMaxConcurrent).toBe(6);
    expect(loadHubConfig(env({ INTAKE_MAX_CONCURRENT: '2' }), { serveHttp: false }).intakeMaxConcurrent).toBe(2);
  });

  it('still refuses what is not a number of requests', () => {
    expect(() => loadHubConfig(env({ INTAKE_MAX_CONCURRENT: '0' }), { serveHttp: false })).toThrow(
      /INTAKE_MAX_CONCURRENT/,
    );
    expect(() => loadHubConfig(env({ INTAKE_MAX_CONCURRENT: 'many' }), { serveHttp: false })).toThrow(
      /INTAKE_MAX_CONCURRENT/,
    );
  });
});
