import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  ensureDatabaseExists,
  passwordEnvVar,
  provisionServiceDatabases,
  ProvisionStep,
  redactDatabaseUrl,
  rolePasswordsFromEnv,
  scramVerifierMatches,
  SERVICE_DATABASES,
  ServiceDatabase,
  serviceDatabaseUrl,
} from '@ctp/persistence';
import { main as provisionMain } from '../../scripts/db-provision';
import { PG_ADMIN_URL } from '../support/databases';
import { call, initiativeBody } from '../support/hub-fixtures';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ROOT, ServiceProcess } from '../support/services';

/** The test's own sessions, told apart from the services' in pg_stat_activity. */
const ADMIN_APP = 'ctp-test-admin';

/** A query as the administrator, in `database` (default: the admin URL's own). */
async function adminQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = [], database?: string) {
  const url = new URL(PG_ADMIN_URL);
  if (database) url.pathname = `/${database}`;
  const c = new Client({ connectionString: url.toString(), application_name: ADMIN_APP });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Connects with `url`; resolves to the error PostgreSQL answered with, or undefined when it let us in. */
async function connectError(url: string): Promise<{ code?: string; message: string } | undefined> {
  const c = new Client({ connectionString: url });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err as { code?: string; message: string };
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Provisioning and the services running as their own roles, against the real PostgreSQL. Everything here has its own
 * names (`ctp_t<random>_*`: roles and databases), never the real `ctp_platform`... that other tests and `npm start` use,
 * and is dropped afterwards.
 */
describe('PostgreSQL least privilege: one role per service', () => {
  const tag = `ctp_t${randomBytes(4).toString('hex')}`;
  const own = (service: string): ServiceDatabase => {
    const d = SERVICE_DATABASES.find((s) => s.service === service)!;
    return { service, database: `${tag}_${d.database.slice(4)}`, role: `${tag}_${d.role.slice(4)}` };
  };
  const hub = own('hub-eur');
  const platform = own('platform');
  const liaison = own('partner-liaison');
  const databases = [hub, platform, liaison];
  const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
  // Only the platform's role gets a password: the others show that a role without one is provisioned too.
  const env: Record<string, string> = { [passwordEnvVar(platform.role)]: PASSWORD };
  const urlOf = (d: ServiceDatabase) => serviceDatabaseUrl(d.database, env, databases);

  let nats: TestNatsServer;
  const services: ServiceProcess[] = [];
  let firstRun: ProvisionStep[];

  /** What a run could change: role attributes and passwords, database owners and ACLs, owners inside each. */
  const catalogState = async () => {
    const roles = await adminQuery(
      `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolpassword
         FROM pg_authid WHERE rolname LIKE $1 ORDER BY rolname`,
      [`${tag}%`],
    );
    const dbs = await adminQuery(
      `SELECT datname, pg_get_userbyid(datdba) AS owner, datacl::text FROM pg_database WHERE datname LIKE $1
        ORDER BY datname`,
      [`${tag}%`],
    );
    const objects = [];
    for (const d of databases) {
      objects.push(
        ...(await adminQuery(
          `SELECT current_database() AS db, n.nspname, c.relname, pg_get_userbyid(c.relowner) AS owner
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' ORDER BY c.relname`,
          [],
          d.database,
        )),
      );
    }
    return { roles, dbs, objects };
  };

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    // The hub's database exists already, its tables made by migrations run as postgres (today's development path):
    // provisioning must hand all of it over to the hub's role.
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${hub.database}`;
    const asPostgres = new ServiceProcess(
      'hub',
      { HUB_REGION: 'eur', PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: url.toString() },
      'hub-eur-as-postgres',
    );
    await asPostgres.start();
    await asPostgres.stop();
    firstRun = await provisionServiceDatabases(PG_ADMIN_URL, {
      passwords: rolePasswordsFromEnv(env, databases),
      databases,
    });
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await nats?.stop();
    for (const d of databases) await adminQuery(`DROP DATABASE IF EXISTS "${d.database}" WITH (FORCE)`);
    for (const d of databases) await adminQuery(`DROP ROLE IF EXISTS "${d.role}"`);
  });

  it('creates the roles and the missing databases, and takes over the existing one', () => {
    const step = (kind: string, name: string) => firstRun.find((s) => s.kind === kind && s.name === name)!;
    expect(step('role', hub.role)).toEqual({ kind: 'role', name: hub.role, created: true, changes: [] });
    expect(step('role', platform.role)).toEqual({
      kind: 'role',
      name: platform.role,
      created: true,
      changes: ['password set'],
    });
    expect(step('database', platform.database)).toEqual({
      kind: 'database',
      name: platform.database,
      created: true,
      changes: [`owner ${platform.role}`, 'CONNECT for its owner only'],
    });
    const existing = step('database', hub.database);
    expect(existing.created).toBe(false);
    expect(existing.changes).toEqual([
      `owner ${hub.role} (was postgres)`,
      'CONNECT for its owner only',
      expect.stringMatching(new RegExp(`^\\d+ objects now owned by ${hub.role}$`)),
    ]);
  });

  it('gives each role the right to log in and nothing else', async () => {
    const rows = await adminQuery(
      `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin
         FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
      [databases.map((d) => d.role)],
    );
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r).toMatchObject({
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        rolcanlogin: true,
      });
    }
    expect(
      await adminQuery(
        `SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = ANY($1)`,
        [databases.map((d) => d.role)],
      ),
    ).toEqual([]);
  });

  it('starts every service as its own role: migrations run, it serves, it writes', async () => {
    const ports = { hub: await freePort(), platform: await freePort(), liaison: await freePort() };
    services.push(
      new ServiceProcess(
        'hub',
        { HUB_REGION: 'eur', PORT: String(ports.hub), NATS_URL: nats.url, DATABASE_URL: urlOf(hub) },
        'hub-eur-as-role',
      ),
      new ServiceProcess(
        'platform',
        { PORT: String(ports.platform), NATS_URL: nats.url, DATABASE_URL: urlOf(platform) },
        'platform-as-role',
      ),
      new ServiceProcess(
        'partner-liaison',
        { PORT: String(ports.liaison), NATS_URL: nats.url, DATABASE_URL: urlOf(liaison) },
        'liaison-as-role',
      ),
    );
    // start() waits for /health/ready, which answers only once the migrations have run.
    await Promise.all(services.map((s) => s.start(60_000)));

    const posted = await call(services[0].baseUrl, 'POST', '/initiatives', initiativeBody({ localId: 'as-role' }));
    expect(posted.status).toBe(201);

    for (const d of databases) {
      const [{ n }] = await adminQuery<{ n: number }>(
        `SELECT count(*)::int AS n FROM schema_migrations`,
        [],
        d.database,
      );
      expect(n).toBeGreaterThan(0);
      // Every table, index and sequence in the database, old or new, is the role's.
      const owners = await adminQuery<{ owner: string }>(
        `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`,
        [],
        d.database,
      );
      expect(owners).toEqual([{ owner: d.role }]);
      // Its sessions are the role's, none a superuser's.
      const sessions = await adminQuery<{ usename: string; rolsuper: boolean }>(
        `SELECT DISTINCT a.usename, r.rolsuper FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
          WHERE a.datname = $1 AND a.backend_type = 'client backend' AND a.application_name <> $2`,
        [d.database, ADMIN_APP],
      );
      expect(sessions).toEqual([{ usename: d.role, rolsuper: false }]);
    }
  });

  it("refuses a service's role another service's database", async () => {
    const intruder = new URL(urlOf(hub));
    intruder.pathname = `/${platform.database}`;
    const err = await connectError(intruder.toString());
    expect(err?.code).toBe('42501');
    expect(err?.message).toMatch(/permission denied for database/);
    // A role that is no service's (PUBLIC) is refused too; its own database lets each role in.
    await adminQuery(`CREATE ROLE "${tag}_nobody" LOGIN`);
    try {
      const nobody = new URL(urlOf(liaison));
      nobody.username = `${tag}_nobody`;
      expect((await connectError(nobody.toString()))?.code).toBe('42501');
    } finally {
      await adminQuery(`DROP ROLE "${tag}_nobody"`);
    }
    for (const d of databases) expect(await connectError(urlOf(d))).toBeUndefined();
  });

  it('changes nothing when run again, and says so one line each', async () => {
    const before = await catalogState();
    const lines: string[] = [];
    const code = await provisionMain([], { PGADMIN_URL: PG_ADMIN_URL, ...env }, (l) => lines.push(l), databases);
    expect(code).toBe(0);
    expect(lines).toEqual([
      `provisioning 3 service databases as ${redactDatabaseUrl(PG_ADMIN_URL)}`,
      ...databases.flatMap((d) => [`role ${d.role}: already there`, `database ${d.database}: already there`]),
    ]);
    expect(lines.join('\n')).not.toContain(PASSWORD);
    expect(await catalogState()).toEqual(before);
  });

  it('puts back what drifted', async () => {
    await adminQuery(`ALTER ROLE "${liaison.role}" CREATEDB`);
    await adminQuery(`GRANT CONNECT ON DATABASE "${liaison.database}" TO PUBLIC`);
    await adminQuery(`CREATE TABLE public.by_hand (id serial PRIMARY KEY)`, [], liaison.database);
    const steps = await provisionServiceDatabases(PG_ADMIN_URL, { passwords: {}, databases: [liaison] });
    expect(steps).toEqual([
      { kind: 'role', name: liaison.role, created: false, changes: ['NOCREATEDB'] },
      {
        kind: 'database',
        name: liaison.database,
        created: false,
        // The table and its serial's sequence, which came along with it.
        changes: ['CONNECT for its owner only', `1 object now owned by ${liaison.role}`],
      },
    ]);
    const [seq] = await adminQuery<{ owner: string }>(
      `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'by_hand_id_seq'`,
      [],
      liaison.database,
    );
    expect(seq.owner).toBe(liaison.role);
  });

  it("stores the password given in the role's variable, as a SCRAM verifier computed client-side", async () => {
    // The local server trusts every connection from 127.0.0.1 (pg_hba trust), so a login with a wrong password would
    // succeed as well and proves nothing: what can be checked is what the server will check the password against.
    const verifier = async (role: string) =>
      (
        await adminQuery<{ rolpassword: string | null }>(`SELECT rolpassword FROM pg_authid WHERE rolname = $1`, [role])
      )[0].rolpassword;
    expect(scramVerifierMatches(await verifier(platform.role), PASSWORD)).toBe(true);
    expect(scramVerifierMatches(await verifier(platform.role), `${PASSWORD}x`)).toBe(false);
    expect(await verifier(hub.role)).toBeNull();
    expect(await connectError(urlOf(platform))).toBeUndefined();

    // A new password in the variable replaces the old one; the role's sessions are not interrupted.
    const changed = `${PASSWORD}-rotated`;
    const steps = await provisionServiceDatabases(PG_ADMIN_URL, {
      passwords: { [platform.role]: changed },
      databases: [platform],
    });
    expect(steps[0]).toEqual({ kind: 'role', name: platform.role, created: false, changes: ['password set'] });
    expect(scramVerifierMatches(await verifier(platform.role), changed)).toBe(true);
    expect((await fetch(`${services[1].baseUrl}/health/ready`)).status).toBe(200);
  });

  it('tells a role without CREATEDB to provision first when its database is missing, and needs no CREATEDB otherwise', async () => {
    const missing = new URL(urlOf(hub));
    missing.pathname = `/${tag}_missing`;
    await expect(ensureDatabaseExists(missing.toString())).rejects.toThrow(
      `database "${tag}_missing" does not exist and role "${hub.role}" may not create it: ` +
        'run npm run db:provision as an administrator first',
    );
    await expect(ensureDatabaseExists(urlOf(hub))).resolves.toBe(false);
  });

  it('the built script: --help does nothing, cannot connect is one line and exit 3', () => {
    const script = join(ROOT, 'dist/scripts/db-provision.js');
    const help = spawnSync(process.execPath, [script, '--help'], {
      env: { PATH: process.env.PATH, PGADMIN_URL: 'postgres://postgres@127.0.0.1:1/postgres' },
      encoding: 'utf8',
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run db:provision/);
    expect(help.stdout).toContain('CTP_DB_PASSWORD_CTP_HUB_EUR');

    const failed = spawnSync(process.execPath, [script], {
      env: { PATH: process.env.PATH, PGADMIN_URL: 'postgres://postgres:hunter2@127.0.0.1:1/postgres' },
      encoding: 'utf8',
    });
    expect(failed.status).toBe(3);
    expect(failed.stderr).toMatch(
      /^db:provision: nothing is listening for PostgreSQL on 127\.0\.0\.1:1 .*ECONNREFUSED.*\n$/,
    );
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stdout + failed.stderr).not.toContain('hunter2');
  });
});
