import {
  checkName,
  describeStep,
  passwordClause,
  passwordEnvVar,
  provisioningAdminUrl,
  rolePasswordsFromEnv,
  scramSha256Verifier,
  scramVerifierMatches,
  SERVICE_DATABASES,
  serviceDatabaseUrl,
} from './database-roles';

describe('SERVICE_DATABASES', () => {
  it('names one role per service, each owning one database', () => {
    expect(SERVICE_DATABASES.map((d) => [d.service, d.database, d.role])).toEqual([
      ['hub-afr', 'ctp_hub_afr', 'ctp_hub_afr'],
      ['hub-mde', 'ctp_hub_mde', 'ctp_hub_mde'],
      ['hub-asi', 'ctp_hub_asi', 'ctp_hub_asi'],
      ['hub-eur', 'ctp_hub_eur', 'ctp_hub_eur'],
      ['platform', 'ctp_platform', 'ctp_platform'],
      ['partner-liaison', 'ctp_partner_liaison', 'ctp_liaison'],
    ]);
    expect(new Set(SERVICE_DATABASES.map((d) => d.role)).size).toBe(SERVICE_DATABASES.length);
  });
});

describe('checkName', () => {
  it.each(['ctp_hub_eur', '_x', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(checkName('role', name)).toBe(name);
  });

  it.each(['', 'CTP', '1db', 'ctp-hub', 'a"b', 'x; DROP ROLE postgres', 'a'.repeat(64), 'pä'])('rejects %j', (name) => {
    expect(() => checkName('database', name)).toThrow(/database name/);
  });
});

describe('passwordEnvVar / rolePasswordsFromEnv', () => {
  it('is CTP_DB_PASSWORD_ and the role in capitals', () => {
    expect(SERVICE_DATABASES.map((d) => passwordEnvVar(d.role))).toEqual([
      'CTP_DB_PASSWORD_CTP_HUB_AFR',
      'CTP_DB_PASSWORD_CTP_HUB_MDE',
      'CTP_DB_PASSWORD_CTP_HUB_ASI',
      'CTP_DB_PASSWORD_CTP_HUB_EUR',
      'CTP_DB_PASSWORD_CTP_PLATFORM',
      'CTP_DB_PASSWORD_CTP_LIAISON',
    ]);
  });

  it('reads each role’s variable; unset and empty are no password', () => {
    const env = { CTP_DB_PASSWORD_CTP_HUB_EUR: 'eur-pw', CTP_DB_PASSWORD_CTP_PLATFORM: '', PGPASSWORD: 'admin' };
    expect(rolePasswordsFromEnv(env)).toEqual({
      ctp_hub_afr: undefined,
      ctp_hub_mde: undefined,
      ctp_hub_asi: undefined,
      ctp_hub_eur: 'eur-pw',
      ctp_platform: undefined,
      ctp_liaison: undefined,
    });
  });
});

describe('serviceDatabaseUrl', () => {
  it('connects as the database’s role, on the PGHOST/PGPORT server, with the role’s password', () => {
    const env = { PGHOST: 'db.internal', PGPORT: '6432', CTP_DB_PASSWORD_CTP_LIAISON: 'p@ss:w/rd' };
    const url = serviceDatabaseUrl('ctp_partner_liaison', env);
    expect(url).toBe('postgres://ctp_liaison:p%40ss%3Aw%2Frd@db.internal:6432/ctp_partner_liaison');
    expect(decodeURIComponent(new URL(url).password)).toBe('p@ss:w/rd');
  });

  it('ignores the administrator’s PGUSER, PGPASSWORD and DATABASE_URL', () => {
    const env = { PGUSER: 'postgres', PGPASSWORD: 'admin-secret', DATABASE_URL: 'postgres://postgres@x/ctp_platform' };
    expect(serviceDatabaseUrl('ctp_platform', env)).toBe('postgres://ctp_platform@127.0.0.1:5432/ctp_platform');
  });

  it.each(SERVICE_DATABASES.map((d) => [d.database, d.role]))('%s → role %s', (database, role) => {
    const url = new URL(serviceDatabaseUrl(database, {}));
    expect([url.username, url.pathname]).toEqual([role, `/${database}`]);
  });

  it('refuses a database that is not a service’s, naming the known ones', () => {
    expect(() => serviceDatabaseUrl('postgres', {})).toThrow(/no service database "postgres" \(ctp_hub_afr, .*\)/);
  });

  it('takes another list (tests provision databases of their own)', () => {
    const mine = [{ service: 'platform', database: 'ctp_t_1_platform', role: 'ctp_t_1_platform' }];
    expect(serviceDatabaseUrl('ctp_t_1_platform', { CTP_DB_PASSWORD_CTP_T_1_PLATFORM: 'pw' }, mine)).toBe(
      'postgres://ctp_t_1_platform:pw@127.0.0.1:5432/ctp_t_1_platform',
    );
  });
});

describe('provisioningAdminUrl', () => {
  it.each<[string, Record<string, string>, string]>([
    ['default: postgres on the local server', {}, 'postgres://postgres@127.0.0.1:5432/postgres'],
    ['PGADMIN_URL wins', { PGADMIN_URL: 'postgres://dba:x@db/admin', PGHOST: 'other' }, 'postgres://dba:x@db/admin'],
    [
      'the libpq variables',
      { PGHOST: 'db', PGPORT: '6000', PGUSER: 'dba', PGPASSWORD: 's3cret' },
      'postgres://dba:s3cret@db:6000/postgres',
    ],
    [
      'not a service’s DATABASE_URL',
      { DATABASE_URL: 'postgres://svc@db/ctp_platform' },
      'postgres://postgres@127.0.0.1:5432/postgres',
    ],
  ])('%s', (_label, env, expected) => {
    expect(provisioningAdminUrl(env)).toBe(expected);
  });
});

describe('SCRAM-SHA-256 verifier', () => {
  // Stored by PostgreSQL 15 for `CREATE ROLE x PASSWORD 'correct horse battery staple'` (read from pg_authid).
  const FROM_POSTGRES =
    'SCRAM-SHA-256$4096:iuU4o9PmAokt3f6dO3WRag==$iioT0WlBu5yHKEWkRWimj0Tc6LUp8gdQqlwJ2EZNGd0=:PLqODMTwyM1mpM85s/HI1M8tDYLISVg6PfBQDMzgGtM=';

  it('is the one PostgreSQL computes, given its salt and iterations', () => {
    const salt = Buffer.from('iuU4o9PmAokt3f6dO3WRag==', 'base64');
    expect(scramSha256Verifier('correct horse battery staple', salt, 4096)).toBe(FROM_POSTGRES);
  });

  it('has a fresh salt each time', () => {
    const a = scramSha256Verifier('pw')!;
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(scramSha256Verifier('pw')).not.toBe(a);
  });

  it('is left to the server for a non-ASCII password (SASLprep)', () => {
    expect(scramSha256Verifier('pässwörd')).toBeUndefined();
  });

  it('tells whether a stored verifier is a password’s', () => {
    expect(scramVerifierMatches(FROM_POSTGRES, 'correct horse battery staple')).toBe(true);
    expect(scramVerifierMatches(FROM_POSTGRES, 'correct horse battery stapler')).toBe(false);
    expect(scramVerifierMatches('md5abc', 'x')).toBeUndefined();
    expect(scramVerifierMatches(null, 'x')).toBeUndefined();
    expect(scramVerifierMatches(FROM_POSTGRES, 'pässwörd')).toBeUndefined();
  });
});

describe('passwordClause', () => {
  it('sends the verifier, never the password', () => {
    const clause = passwordClause('correct horse battery staple');
    expect(clause).toMatch(/^PASSWORD 'SCRAM-SHA-256\$4096:[^']+'$/);
    expect(clause).not.toContain('correct horse');
  });

  it('quotes what the server must hash itself', () => {
    expect(passwordClause("pä'ss")).toBe("PASSWORD 'pä''ss'");
    expect(passwordClause('pä\\ss')).toBe("PASSWORD E'pä\\\\ss'");
  });
});

describe('describeStep', () => {
  it.each([
    [
      { kind: 'role' as const, name: 'ctp_platform', created: true, changes: ['password set'] },
      'role ctp_platform: created, password set',
    ],
    [{ kind: 'role' as const, name: 'ctp_platform', created: false, changes: [] }, 'role ctp_platform: already there'],
    [
      {
        kind: 'database' as const,
        name: 'ctp_platform',
        created: false,
        changes: ['owner ctp_platform (was postgres)'],
      },
      'database ctp_platform: already there, owner ctp_platform (was postgres)',
    ],
  ])('%j', (step, line) => {
    expect(describeStep(step)).toBe(line);
  });
});
