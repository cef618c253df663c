import { Client } from 'pg';
import { databaseName, SERVICE_DATABASES } from '@ctp/persistence';
import { loadHubConfig } from '../apps/hub/src/config/hub.config';
import { loadPartnerLiaisonConfig } from '../apps/partner-liaison/src/config/partner-liaison.config';
import { loadPlatformConfig } from '../apps/platform/src/config/platform.config';
import { runTool, UsageError } from './cli';
import { main, provisionCommand, usage } from './db-provision';

describe('db:provision', () => {
  it('provisions the databases the services use by default', () => {
    const defaults = {
      'hub-afr': loadHubConfig({ HUB_REGION: 'afr' }, { serveHttp: false }).databaseUrl,
      'hub-mde': loadHubConfig({ HUB_REGION: 'mde' }, { serveHttp: false }).databaseUrl,
      'hub-asi': loadHubConfig({ HUB_REGION: 'asi' }, { serveHttp: false }).databaseUrl,
      'hub-eur': loadHubConfig({ HUB_REGION: 'eur' }, { serveHttp: false }).databaseUrl,
      platform: loadPlatformConfig({}, { serveHttp: false }).databaseUrl,
      'partner-liaison': loadPartnerLiaisonConfig({}, { serveHttp: false }).databaseUrl,
    };
    expect(Object.fromEntries(SERVICE_DATABASES.map((d) => [d.service, d.database]))).toEqual(
      Object.fromEntries(Object.entries(defaults).map(([service, url]) => [service, databaseName(url)])),
    );
  });

  it('usage names every password variable with its role', () => {
    const text = usage();
    for (const d of SERVICE_DATABASES) {
      expect(text).toContain(`CTP_DB_PASSWORD_${d.role.toUpperCase()}`);
    }
    expect(text).toMatch(/CTP_DB_PASSWORD_CTP_LIAISON +role ctp_liaison, database ctp_partner_liaison/);
    expect(text).toContain('PGADMIN_URL');
  });

  it.each([['--help'], ['-h']])('%s prints the usage and connects nowhere', async (flag) => {
    const lines: string[] = [];
    // An administrator URL nothing listens on: connecting would fail the call.
    const code = await main([flag], { PGADMIN_URL: 'postgres://postgres@127.0.0.1:1/postgres' }, (l) => lines.push(l));
    expect(code).toBe(0);
    expect(lines).toEqual([usage()]);
  });

  it('refuses an unknown argument before connecting (a usage error: exit 2)', async () => {
    await expect(main(['--force'], {}, () => undefined)).rejects.toThrow(UsageError);
    await expect(main(['--force'], {}, () => undefined)).rejects.toThrow("Unknown option '--force'");
  });

  it('cannot connect: exit 3 (as every tool), one line saying what to do; a usage error stays 2', async () => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (t: string) => err.push(t) };
    const env = { PGADMIN_URL: 'postgres://postgres:hunter2@127.0.0.1:1/postgres' };
    const provision = (argv: string[]) =>
      runTool('db:provision', usage(), argv, (a) => provisionCommand(a, env, () => undefined), io);
    expect(await provision([])).toBe(3);
    expect(err.join('')).toMatch(
      /^db:provision: nothing is listening for PostgreSQL on 127\.0\.0\.1:1 \(.*ECONNREFUSED.*\); .+\n$/,
    );
    expect(err.join('')).not.toContain('hunter2');
    err.length = 0;
    expect(await provision(['--force'])).toBe(2);
    expect(usage()).toContain('  3  cannot connect: NATS or PostgreSQL not reachable, or the login refused');
  });

  it('a failure other than connecting: exit 1, one line', async () => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (t: string) => err.push(t) };
    // A database name PostgreSQL would need quoting for: refused before any connection.
    const odd = [{ ...SERVICE_DATABASES[0], database: 'Hub-EUR' }];
    const env = { PGADMIN_URL: 'postgres://postgres@127.0.0.1:1/postgres' };
    const code = await runTool('db:provision', usage(), [], (a) => provisionCommand(a, env, () => undefined, odd), io);
    expect(code).toBe(1);
    expect(err).toEqual([
      'db:provision: database name "Hub-EUR": use 1-63 characters a-z, 0-9 and _, not starting with a digit\n',
    ]);
  });

  it.each([
    [
      'the login refused (28P01)',
      Object.assign(new Error('password authentication failed for user "dba"'), { code: '28P01' }),
      /^PostgreSQL at db:5432 refused the login of "dba" \(28P01: .*\): set PGUSER and PGPASSWORD \(or PGADMIN_URL\)/,
    ],
    [
      'no password given (SCRAM)',
      new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'),
      /^PostgreSQL at db:5432 refused the login of "dba": it asks for a password and none was given .*: set PGPASSWORD \(or the password in PGADMIN_URL\)$/,
    ],
    [
      'no such database (3D000)',
      Object.assign(new Error('database "admin" does not exist'), { code: '3D000' }),
      /^PostgreSQL at db:5432 has no database "postgres"/,
    ],
  ])('%s: exit 3, said as the preflight says it', async (_what, error, message) => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (t: string) => err.push(t) };
    // A password given for the 28P01 case (else it is "no password was given", the SCRAM case's).
    const env = {
      PGHOST: 'db',
      PGUSER: 'dba',
      ...((error as { code?: string }).code === '28P01' ? { PGPASSWORD: 'x' } : {}),
    };
    // The administrator connection fails as PostgreSQL (or node-postgres) would make it fail.
    const connect = jest.spyOn(Client.prototype, 'connect').mockRejectedValueOnce(error as never);
    const code = await runTool('db:provision', usage(), [], (a) => provisionCommand(a, env, () => undefined), io);
    connect.mockRestore();
    expect(code).toBe(3);
    expect(err).toHaveLength(1);
    expect(err[0].replace(/^db:provision: /, '').trimEnd()).toMatch(message);
  });
});
