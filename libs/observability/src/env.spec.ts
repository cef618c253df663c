import { EnvReader } from './env';

const reader = (env: Record<string, string | undefined> = {}) => new EnvReader(env);

describe('EnvReader', () => {
  describe('string', () => {
    it.each<[string, string | undefined, string]>([
      ['unset', undefined, 'fallback'],
      ['empty', '', 'fallback'],
      ['set', 'value', 'value'],
      ['whitespace (kept as given)', ' ', ' '],
    ])('%s → %p', (_label, value, expected) => {
      const r = reader({ NAME: value });
      expect(r.string('NAME', 'fallback')).toBe(expected);
      expect(r.problems).toEqual([]);
    });
  });

  describe('int', () => {
    it.each<[string, string | undefined, number]>([
      ['unset → fallback', undefined, 3000],
      ['empty → fallback', '', 3000],
      ['a whole number', '8080', 8080],
      ['the minimum', '1', 1],
      ['the maximum', '65535', 65535],
      ['a whole number written with a decimal point', '80.0', 80],
    ])('%s', (_label, value, expected) => {
      const r = reader({ PORT: value });
      expect(r.int('PORT', 3000, 1, 65535)).toBe(expected);
      expect(r.problems).toEqual([]);
    });

    it.each([
      ['not a number', 'abc'],
      ['a fraction', '1.5'],
      ['below the minimum', '0'],
      ['negative', '-1'],
      ['above the maximum', '65536'],
      ['a number with a unit', '80ms'],
      ['Infinity', 'Infinity'],
    ])('%s → fallback and one problem naming the variable, value and range', (_label, value) => {
      const r = reader({ PORT: value });
      expect(r.int('PORT', 3000, 1, 65535)).toBe(3000);
      expect(r.problems).toEqual([`PORT=${JSON.stringify(value)} must be a whole number from 1 to 65535`]);
    });

    it('does not check the fallback against the range', () => {
      const r = reader();
      expect(r.int('X', 0, 1, 10)).toBe(0);
      expect(r.problems).toEqual([]);
    });
  });

  describe('oneOf', () => {
    const REGIONS = ['afr', 'mde', 'asi', 'eur'] as const;

    it.each(REGIONS)('accepts %s', (region) => {
      const r = reader({ HUB_REGION: region });
      expect(r.oneOf('HUB_REGION', REGIONS)).toBe(region);
      expect(r.problems).toEqual([]);
    });

    it.each<[string, string | undefined]>([
      ['unset', undefined],
      ['empty', ''],
    ])('%s with a fallback → the fallback, no problem', (_label, value) => {
      const r = reader({ HUB_REGION: value });
      expect(r.oneOf('HUB_REGION', REGIONS, 'asi')).toBe('asi');
      expect(r.problems).toEqual([]);
    });

    it.each<[string, string | undefined]>([
      ['unset', undefined],
      ['empty', ''],
    ])('%s without a fallback → required problem listing the choices', (_label, value) => {
      const r = reader({ HUB_REGION: value });
      expect(r.oneOf('HUB_REGION', REGIONS)).toBe('afr');
      expect(r.problems).toEqual(['HUB_REGION is required: one of afr, mde, asi, eur']);
    });

    it.each(['xyz', 'EUR', ' eur', 'eur,afr'])('rejects %p, even with a fallback', (value) => {
      const r = reader({ HUB_REGION: value });
      expect(r.oneOf('HUB_REGION', REGIONS, 'asi')).toBe('afr');
      expect(r.problems).toEqual([`HUB_REGION=${JSON.stringify(value)} is not allowed: use one of afr, mde, asi, eur`]);
    });
  });

  describe('logLevel', () => {
    it('defaults to info', () => {
      const r = reader();
      expect(r.logLevel()).toBe('info');
      expect(r.problems).toEqual([]);
    });

    it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('accepts %s', (level) => {
      const r = reader({ LOG_LEVEL: level });
      expect(r.logLevel()).toBe(level);
      expect(r.problems).toEqual([]);
    });

    it('reports an unknown level', () => {
      const r = reader({ LOG_LEVEL: 'verbose' });
      r.logLevel();
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatch(/^LOG_LEVEL="verbose" is not allowed: use one of fatal, error, .*silent$/);
    });
  });

  describe('url', () => {
    const NATS = ['nats:', 'tls:'];

    it.each<[string, string | undefined, string]>([
      ['unset → fallback', undefined, 'nats://127.0.0.1:4222'],
      ['empty → fallback', '', 'nats://127.0.0.1:4222'],
      ['nats://', 'nats://nats.internal:4222', 'nats://nats.internal:4222'],
      ['tls://', 'tls://nats.internal:4222', 'tls://nats.internal:4222'],
      ['a comma-separated list', 'nats://a:4222,nats://b:4222', 'nats://a:4222,nats://b:4222'],
      ['a list with spaces', 'nats://a:4222, tls://b:4222', 'nats://a:4222, tls://b:4222'],
      ['credentials in the URL', 'nats://user:secret@a:4222', 'nats://user:secret@a:4222'],
    ])('%s', (_label, value, expected) => {
      const r = reader({ NATS_URL: value });
      expect(r.url('NATS_URL', 'nats://127.0.0.1:4222', NATS)).toBe(expected);
      expect(r.problems).toEqual([]);
    });

    it.each([
      ['another protocol', 'http://nats:4222'],
      ['not a URL', 'nats.internal:4222x'],
      ['a bare host', 'localhost'],
      ['one bad entry in a list', 'nats://a:4222,http://b:4222'],
      ['an empty entry in a list', 'nats://a:4222,'],
      ['two bad entries in a list (reported once)', 'http://a,http://b'],
    ])('%s → one problem naming the variable and the protocols', (_label, value) => {
      const r = reader({ NATS_URL: value });
      expect(r.url('NATS_URL', 'nats://127.0.0.1:4222', NATS)).toBe(value);
      expect(r.problems).toEqual([`NATS_URL=${JSON.stringify(value)} must be a URL starting with nats:// or tls://`]);
    });

    it('checks the fallback too', () => {
      const r = reader();
      r.url('DATABASE_URL', 'mysql://localhost/db', ['postgres:', 'postgresql:']);
      expect(r.problems).toEqual([
        'DATABASE_URL="mysql://localhost/db" must be a URL starting with postgres:// or postgresql://',
      ]);
    });

    it.each(['postgres://u:p@db:5432/ctp', 'postgresql://db/ctp?sslmode=require'])('accepts %s', (value) => {
      const r = reader({ DATABASE_URL: value });
      expect(r.url('DATABASE_URL', 'postgres://127.0.0.1/x', ['postgres:', 'postgresql:'])).toBe(value);
      expect(r.problems).toEqual([]);
    });
  });

  describe('done', () => {
    it('does nothing when every value is fine', () => {
      const r = reader({ PORT: '80', HUB_REGION: 'eur', NATS_URL: 'nats://n:4222' });
      r.int('PORT', 3000, 1, 65535);
      r.oneOf('HUB_REGION', ['eur', 'afr']);
      r.url('NATS_URL', 'nats://127.0.0.1:4222', ['nats:']);
      expect(() => r.done('hub')).not.toThrow();
    });

    it('throws one error listing every problem, in order, under the service name', () => {
      const r = reader({ PORT: 'abc', HUB_REGION: 'xyz', NATS_URL: 'http://n', LOG_LEVEL: 'loud' });
      r.int('PORT', 3000, 1, 65535);
      r.oneOf('HUB_REGION', ['eur', 'afr']);
      r.url('NATS_URL', 'nats://127.0.0.1:4222', ['nats:']);
      r.logLevel();
      r.int('MAX', 5, 1, 10); // unset: fine
      expect(r.problems).toHaveLength(4);
      expect(() => r.done('hub-eur')).toThrow(
        new Error(
          [
            'hub-eur: invalid configuration:',
            '  - PORT="abc" must be a whole number from 1 to 65535',
            '  - HUB_REGION="xyz" is not allowed: use one of eur, afr',
            '  - NATS_URL="http://n" must be a URL starting with nats://',
            '  - LOG_LEVEL="loud" is not allowed: use one of fatal, error, warn, info, debug, trace, silent',
          ].join('\n'),
        ),
      );
    });

    it('throws for a single problem too', () => {
      const r = reader({ PORT: '0' });
      r.int('PORT', 3000, 1, 65535);
      expect(() => r.done('platform')).toThrow(/^platform: invalid configuration:\n {2}- PORT="0"/);
    });
  });

  it('reads process.env by default', () => {
    const name = 'CTP_ENV_READER_SPEC_VALUE';
    process.env[name] = 'from-process';
    try {
      expect(new EnvReader().string(name, 'fallback')).toBe('from-process');
    } finally {
      delete process.env[name];
    }
  });
});

describe('EnvReader.url never prints a password', () => {
  it('redacts user:password@ in the problem it reports', () => {
    const r = new EnvReader({ DATABASE_URL: 'mysql://ctp:s3cret-pw@db:5432/x' });
    r.url('DATABASE_URL', 'postgres://127.0.0.1/x', ['postgres:']);
    expect(r.problems.join('\n')).toContain('ctp:***@');
    expect(r.problems.join('\n')).not.toContain('s3cret-pw');
  });
});
