import { databaseName, redactDatabaseUrl, resolveDatabaseUrl } from './database-url';

describe('resolveDatabaseUrl', () => {
  it.each<[string, Record<string, string>, string]>([
    ['nothing set → local server, user postgres, own database', {}, 'postgres://postgres@127.0.0.1:5432/ctp_platform'],
    [
      'DATABASE_URL wins over every PG variable',
      {
        DATABASE_URL: 'postgresql://app:pw@db.example:6000/custom?sslmode=require',
        PGHOST: 'other',
        PGPORT: '7000',
        PGUSER: 'x',
        PGPASSWORD: 'y',
      },
      'postgresql://app:pw@db.example:6000/custom?sslmode=require',
    ],
    [
      'an empty DATABASE_URL falls through to the PG variables',
      { DATABASE_URL: '', PGHOST: 'pg.internal' },
      'postgres://postgres@pg.internal:5432/ctp_platform',
    ],
    [
      'all PG variables, with the service’s own database name',
      { PGHOST: 'pg.internal', PGPORT: '6543', PGUSER: 'ctp', PGPASSWORD: 'secret' },
      'postgres://ctp:secret@pg.internal:6543/ctp_platform',
    ],
    ['PGHOST only', { PGHOST: 'db' }, 'postgres://postgres@db:5432/ctp_platform'],
    ['PGPORT only', { PGPORT: '15432' }, 'postgres://postgres@127.0.0.1:15432/ctp_platform'],
    ['PGUSER only', { PGUSER: 'reader' }, 'postgres://reader@127.0.0.1:5432/ctp_platform'],
    ['PGPASSWORD only', { PGPASSWORD: 'pw' }, 'postgres://postgres:pw@127.0.0.1:5432/ctp_platform'],
    ['an IPv4 PGHOST', { PGHOST: '10.1.2.3' }, 'postgres://postgres@10.1.2.3:5432/ctp_platform'],
    [
      'a socket-directory PGHOST is ignored',
      { PGHOST: '/var/run/postgresql', PGUSER: 'ctp' },
      'postgres://ctp@127.0.0.1:5432/ctp_platform',
    ],
    ['a /tmp socket PGHOST is ignored', { PGHOST: '/tmp' }, 'postgres://postgres@127.0.0.1:5432/ctp_platform'],
    [
      'empty PG variables count as unset',
      { PGHOST: '', PGPORT: '', PGUSER: '', PGPASSWORD: '' },
      'postgres://postgres@127.0.0.1:5432/ctp_platform',
    ],
  ])('%s', (_label, env, expected) => {
    expect(resolveDatabaseUrl('ctp_platform', env)).toBe(expected);
  });

  it.each(['ctp_hub_eur', 'ctp_hub_afr', 'ctp_partner_liaison'])(
    'every service keeps its own database (%s) on the shared server',
    (db) => {
      const env = { PGHOST: 'shared', PGUSER: 'ctp', PGPASSWORD: 'pw' };
      expect(resolveDatabaseUrl(db, env)).toBe(`postgres://ctp:pw@shared:5432/${db}`);
      expect(databaseName(resolveDatabaseUrl(db, env))).toBe(db);
    },
  );

  describe('URL-encodes credentials', () => {
    it.each([
      ['p@ss', 'p%40ss'],
      ['a:b', 'a%3Ab'],
      ['s/l#a?sh', 's%2Fl%23a%3Fsh'],
      ['100%', '100%25'],
      ['with space', 'with%20space'],
      ['pässwörd', 'p%C3%A4ssw%C3%B6rd'],
    ])('password %p is written as %p and reads back unchanged', (password, encoded) => {
      const url = resolveDatabaseUrl('db', { PGHOST: 'h', PGPASSWORD: password });
      expect(url).toBe(`postgres://postgres:${encoded}@h:5432/db`);
      const parsed = new URL(url);
      expect(parsed.hostname).toBe('h');
      expect(decodeURIComponent(parsed.password)).toBe(password);
    });

    it('encodes the user name too', () => {
      const url = resolveDatabaseUrl('db', { PGUSER: 'svc@corp', PGPASSWORD: 'x' });
      expect(url).toBe('postgres://svc%40corp:x@127.0.0.1:5432/db');
      expect(decodeURIComponent(new URL(url).username)).toBe('svc@corp');
    });
  });

  it('reads process.env by default', () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://from-process/db';
    try {
      expect(resolveDatabaseUrl('ignored')).toBe('postgres://from-process/db');
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});

describe('databaseName', () => {
  it.each([
    ['postgres://u:p@h:5432/ctp_platform', 'ctp_platform'],
    ['postgres://h/ctp_hub_eur?sslmode=require', 'ctp_hub_eur'],
    ['postgresql://h:1/my%20db', 'my db'],
    ['postgres://h:1/', ''],
    ['postgres://h', ''],
  ])('%s → %p', (url, name) => {
    expect(databaseName(url)).toBe(name);
  });

  it('throws on something that is not a URL', () => {
    expect(() => databaseName('not a url')).toThrow();
  });
});

describe('redactDatabaseUrl', () => {
  it.each([
    ['postgres://ctp:secret@db:5432/ctp_platform', 'postgres://ctp:***@db:5432/ctp_platform'],
    ['postgres://ctp:secret@db/x?sslmode=require', 'postgres://ctp:***@db/x?sslmode=require'],
    ['postgres://ctp@db:5432/x', 'postgres://ctp@db:5432/x'],
    ['postgres://db:5432/x', 'postgres://db:5432/x'],
  ])('%s → %s', (url, redacted) => {
    expect(redactDatabaseUrl(url)).toBe(redacted);
  });

  it('hides an encoded password and keeps everything else', () => {
    const url = resolveDatabaseUrl('ctp_platform', { PGHOST: 'db', PGUSER: 'ctp', PGPASSWORD: 'p@ss:w/rd' });
    const redacted = redactDatabaseUrl(url);
    expect(redacted).toBe('postgres://ctp:***@db:5432/ctp_platform');
    expect(redacted).not.toContain('p%40ss');
    expect(databaseName(redacted)).toBe('ctp_platform');
  });
});
