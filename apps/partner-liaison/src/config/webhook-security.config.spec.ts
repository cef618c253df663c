import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvReader } from '@ctp/observability';
import { decodeKey, readWebhookSecurityConfig } from './webhook-security.config';

describe('readWebhookSecurityConfig', () => {
  let dir: string;
  const KEY = randomBytes(32).toString('base64');
  const read = (env: NodeJS.ProcessEnv) => {
    const r = new EnvReader(env);
    const config = readWebhookSecurityConfig(r, env, { devKeyFile: join(dir, '.ctp', 'webhook-secret-key') });
    return { config, problems: r.problems };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctp-webhook-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes WEBHOOK_SECRET_KEY (32 bytes, base64) and safe defaults', () => {
    const { config, problems } = read({ WEBHOOK_SECRET_KEY: KEY, NODE_ENV: 'production' });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      secretKeySource: 'env',
      secretGraceMs: 86_400_000,
      allowHttp: false,
      allowPrivateDestinations: false,
      startupNotes: [],
    });
    expect(config.secretKey.equals(Buffer.from(KEY, 'base64'))).toBe(true);
    expect(existsSync(join(dir, '.ctp'))).toBe(false);
  });

  it('refuses to start in production without a key, saying how to make one', () => {
    expect(read({ NODE_ENV: 'production' }).problems).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET_KEY is required with NODE_ENV=production: .*openssl rand -base64 32/),
    ]);
  });

  it.each([
    ['too short', randomBytes(16).toString('base64'), /exactly 32 bytes.*not 16/],
    ['too long', randomBytes(33).toString('base64'), /exactly 32 bytes.*not 33/],
    ['not base64', 'this is not base64 at all!', /must be base64/],
  ])('refuses a key that is %s, without printing it', (_label, key, message) => {
    const { problems } = read({ WEBHOOK_SECRET_KEY: key });
    expect(problems).toEqual([expect.stringMatching(message)]);
    expect(problems[0]).not.toContain(key);
  });

  it('outside production, without a key: generates one in .ctp/ once (0600), reuses it, and says so', () => {
    const first = read({});
    expect(first.problems).toEqual([]);
    expect(first.config.secretKeySource).toBe('development-file');
    expect(first.config.startupNotes).toEqual([
      expect.stringMatching(/WEBHOOK_SECRET_KEY is not set: .*development key/),
    ]);
    const file = join(dir, '.ctp', 'webhook-secret-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(decodeKey(readFileSync(file, 'utf8'))).toEqual(first.config.secretKey);
    expect(read({ NODE_ENV: 'development' }).config.secretKey.equals(first.config.secretKey)).toBe(true);
  });

  it('refuses a broken development key file', () => {
    read({});
    writeFileSync(join(dir, '.ctp', 'webhook-secret-key'), 'short');
    expect(read({}).problems).toEqual([expect.stringMatching(/development key .* delete the file/)]);
  });

  it('reads the grace period and the development switches; never in production', () => {
    const { config, problems } = read({
      WEBHOOK_SECRET_KEY: KEY,
      WEBHOOK_SECRET_GRACE_MS: '2000',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'true',
    });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ secretGraceMs: 2000, allowHttp: true, allowPrivateDestinations: true });
    expect(config.startupNotes).toEqual([expect.stringMatching(/relaxed.*http.*loopback/)]);
    expect(
      read({
        NODE_ENV: 'production',
        WEBHOOK_SECRET_KEY: KEY,
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'yes',
        WEBHOOK_SECRET_GRACE_MS: '-1',
      }).problems,
    ).toEqual([
      'WEBHOOK_ALLOW_PRIVATE_DESTINATIONS="yes" must be true or false',
      'WEBHOOK_ALLOW_HTTP=true is not allowed with NODE_ENV=production (development and tests only)',
      expect.stringMatching(/^WEBHOOK_SECRET_GRACE_MS="-1" must be a whole number/),
    ]);
  });
});
