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

  it('cannot connect: exit 1 (as before the shared exit codes), one line; a usage error stays 2', async () => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (t: string) => err.push(t) };
    const env = { PGADMIN_URL: 'postgres://postgres@127.0.0.1:1/postgres' };
    const provision = (argv: string[]) =>
      runTool('db:provision', usage(), argv, (a) => provisionCommand(a, env, () => undefined), io);
    expect(await provision([])).toBe(1);
    expect(err.join('')).toMatch(/^db:provision: .*ECONNREFUSED.*\n$/);
    expect(await provision(['--force'])).toBe(2);
    expect(usage()).not.toContain('  3  ');
  });
});
