import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { resolveDatabaseUrl } from './database-url';

/** One service's database and the login role that owns it (and nothing else). */
export interface ServiceDatabase {
  /** The service as operators name it (compose service, `npm start` prefix). */
  service: string;
  database: string;
  role: string;
}

/** Every service database of CTP, with its role. The database names are the ones the services default to. */
export const SERVICE_DATABASES: readonly ServiceDatabase[] = Object.freeze([
  { service: 'hub-afr', database: 'ctp_hub_afr', role: 'ctp_hub_afr' },
  { service: 'hub-mde', database: 'ctp_hub_mde', role: 'ctp_hub_mde' },
  { service: 'hub-asi', database: 'ctp_hub_asi', role: 'ctp_hub_asi' },
  { service: 'hub-eur', database: 'ctp_hub_eur', role: 'ctp_hub_eur' },
  { service: 'platform', database: 'ctp_platform', role: 'ctp_platform' },
  { service: 'partner-liaison', database: 'ctp_partner_liaison', role: 'ctp_liaison' },
]);

/**
 * What each role may do on the server: log in, nothing more. Its powers over its own database come from owning it.
 * NOBYPASSRLS too: a role that bypasses row security is a privilege nobody here needs.
 */
export const SERVICE_ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

/**
 * Lower-case names only: they need no quoting in psql or a URL, and cannot be two spellings of one identifier.
 * 63 bytes is PostgreSQL's identifier limit (longer ones are silently truncated).
 */
const PLAIN_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkName(kind: 'role' | 'database', name: string): string {
  if (!PLAIN_NAME.test(name)) {
    throw new Error(
      `${kind} name ${JSON.stringify(name)}: use 1-63 characters a-z, 0-9 and _, not starting with a digit`,
    );
  }
  return name;
}

/** The environment variable holding a role's password: `CTP_DB_PASSWORD_CTP_HUB_EUR` for `ctp_hub_eur`. */
export function passwordEnvVar(role: string): string {
  return `CTP_DB_PASSWORD_${checkName('role', role).toUpperCase()}`;
}

/** Each role's password from the environment; an unset or empty variable is no password. */
export function rolePasswordsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  databases: readonly ServiceDatabase[] = SERVICE_DATABASES,
): Record<string, string | undefined> {
  return Object.fromEntries(databases.map(({ role }) => [role, env[passwordEnvVar(role)] || undefined]));
}

/**
 * The URL a service connects with as its own role: host and port from PGHOST/PGPORT (as resolveDatabaseUrl reads
 * them), the password from the role's CTP_DB_PASSWORD_* variable. PGUSER, PGPASSWORD and DATABASE_URL are the
 * administrator's and are ignored here.
 */
export function serviceDatabaseUrl(
  database: string,
  env: NodeJS.ProcessEnv = process.env,
  databases: readonly ServiceDatabase[] = SERVICE_DATABASES,
): string {
  const entry = databases.find((d) => d.database === database);
  if (!entry) {
    throw new Error(`no service database ${JSON.stringify(database)} (${databases.map((d) => d.database).join(', ')})`);
  }
  return resolveDatabaseUrl(entry.database, {
    PGHOST: env.PGHOST,
    PGPORT: env.PGPORT,
    PGUSER: entry.role,
    PGPASSWORD: env[passwordEnvVar(entry.role)],
  });
}

/** Where provisioning connects as an administrator: PGADMIN_URL, else the libpq variables' server, database postgres. */
export function provisioningAdminUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGADMIN_URL) return env.PGADMIN_URL;
  return resolveDatabaseUrl('postgres', {
    PGHOST: env.PGHOST,
    PGPORT: env.PGPORT,
    PGUSER: env.PGUSER,
    PGPASSWORD: env.PGPASSWORD,
  });
}

const SCRAM_ITERATIONS = 4096; // PostgreSQL's default scram_iterations

function scramKeys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return {
    storedKey: createHash('sha256').update(clientKey).digest(),
    serverKey: createHmac('sha256', salted).update('Server Key').digest(),
  };
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password`, computed here so that the password itself never
 * reaches the server (nor its statement log). Undefined for a non-ASCII password: the server normalises those with
 * SASLprep first, which this does not reproduce; they are sent for the server to hash instead.
 */
export function scramSha256Verifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = SCRAM_ITERATIONS,
): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(password)) return undefined;
  const { storedKey, serverKey } = scramKeys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Whether a stored verifier is the one of `password`; undefined when that cannot be told (other format, non-ASCII). */
export function scramVerifierMatches(verifier: string | null | undefined, password: string): boolean | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier ?? '');
  if (!m) return undefined;
  const expected = scramSha256Verifier(password, Buffer.from(m[2], 'base64'), Number(m[1]));
  if (expected === undefined) return undefined;
  const a = Buffer.from(expected);
  const b = Buffer.from(verifier!);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The PASSWORD clause of CREATE/ALTER ROLE for `password`. */
export function passwordClause(password: string): string {
  // escapeLiteral writes E'...' (with a space before it) when there is a backslash to escape.
  return `PASSWORD ${escapeLiteral(scramSha256Verifier(password) ?? password).trimStart()}`;
}

/** One role or database provisioning looked at: whether it was created, and what else it had to change. */
export interface ProvisionStep {
  kind: 'role' | 'database';
  name: string;
  created: boolean;
  changes: string[];
}

/** The operator's line for a step, e.g. `database ctp_platform: already there, changed: owner ctp_platform`. */
export function describeStep(step: ProvisionStep): string {
  const state = step.created ? 'created' : 'already there';
  return `${step.kind} ${step.name}: ${state}${step.changes.length ? `, ${step.changes.join(', ')}` : ''}`;
}

export interface ProvisionOptions {
  /** Passwords by role name; a role without one keeps the password it has (or none: enough on trust-auth machines). */
  passwords: Record<string, string | undefined>;
  /** The databases to provision: all of SERVICE_DATABASES by default, or a subset, or other names (tests). */
  databases?: readonly ServiceDatabase[];
}

/**
 * As an administrator, makes each service's role and database what least privilege asks for, whatever was there
 * before: a login role with no other power, owning its database and every object in it, the only one allowed to
 * connect (superusers aside). Idempotent: a second run changes nothing, and reports so. Sequential, under an advisory
 * lock, so that two runs at once (two `npm start`s) do not trip over each other.
 */
export async function provisionServiceDatabases(adminUrl: string, options: ProvisionOptions): Promise<ProvisionStep[]> {
  const databases = options.databases ?? SERVICE_DATABASES;
  for (const d of databases) {
    checkName('role', d.role);
    checkName('database', d.database);
  }
  const admin = new Client({ connectionString: adminUrl, application_name: 'ctp-db-provision' });
  await admin.connect();
  try {
    await admin.query(`SELECT pg_advisory_lock(hashtext('ctp:db-provision'))`);
    const steps: ProvisionStep[] = [];
    for (const d of databases) {
      steps.push(await provisionRole(admin, d.role, options.passwords[d.role] || undefined));
      steps.push(await provisionDatabase(admin, adminUrl, d.database, d.role));
    }
    return steps;
  } finally {
    await admin.end();
  }
}

interface RoleRow {
  rolsuper: boolean;
  rolcreatedb: boolean;
  rolcreaterole: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolcanlogin: boolean;
}

async function provisionRole(admin: Client, role: string, password: string | undefined): Promise<ProvisionStep> {
  const id = escapeIdentifier(role);
  const step: ProvisionStep = { kind: 'role', name: role, created: false, changes: [] };
  const { rows } = await admin.query<RoleRow>(
    `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin
       FROM pg_roles WHERE rolname = $1`,
    [role],
  );
  if (!rows.length) {
    try {
      await admin.query(
        `CREATE ROLE ${id} ${SERVICE_ROLE_ATTRIBUTES}${password ? ` ${passwordClause(password)}` : ''}`,
      );
      return { ...step, created: true, changes: password ? ['password set'] : [] };
    } catch (err) {
      // 42710 duplicate_object: created meanwhile by someone not taking our lock (a DBA): look at it as it is.
      if ((err as { code?: string }).code !== '42710') throw err;
      return provisionRole(admin, role, password);
    }
  }
  const r = rows[0];
  const wrong = [
    r.rolsuper && 'NOSUPERUSER',
    r.rolcreatedb && 'NOCREATEDB',
    r.rolcreaterole && 'NOCREATEROLE',
    r.rolreplication && 'NOREPLICATION',
    r.rolbypassrls && 'NOBYPASSRLS',
    !r.rolcanlogin && 'LOGIN',
  ].filter((a): a is string => Boolean(a));
  // Only when something is off: ALTER ROLE on SUPERUSER and friends needs a superuser, re-runs need not.
  if (wrong.length) {
    await admin.query(`ALTER ROLE ${id} ${wrong.join(' ')}`);
    step.changes.push(...wrong);
  }
  if (password && !(await passwordAlreadySet(admin, role, password))) {
    await admin.query(`ALTER ROLE ${id} ${passwordClause(password)}`);
    step.changes.push('password set');
  }
  return step;
}

/** True when the stored verifier is this password's. Only a superuser can read pg_authid: otherwise, not known. */
async function passwordAlreadySet(admin: Client, role: string, password: string): Promise<boolean> {
  try {
    const { rows } = await admin.query<{ rolpassword: string | null }>(
      `SELECT rolpassword FROM pg_authid WHERE rolname = $1`,
      [role],
    );
    return scramVerifierMatches(rows[0]?.rolpassword, password) === true;
  } catch {
    return false;
  }
}

interface DatabaseRow {
  owner: string;
  public_access: boolean;
  owner_connects: boolean;
}

async function databaseRow(admin: Client, database: string, role: string): Promise<DatabaseRow | undefined> {
  // A NULL datacl is the default ACL, which lets PUBLIC connect and create temporary tables.
  const { rows } = await admin.query<DatabaseRow>(
    `SELECT pg_get_userbyid(d.datdba) AS owner,
            d.datacl IS NULL
              OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a
                          WHERE a.grantee = 0 AND a.privilege_type IN ('CONNECT', 'TEMPORARY')) AS public_access,
            has_database_privilege($2, d.oid, 'CONNECT') AS owner_connects
       FROM pg_database d WHERE d.datname = $1`,
    [database, role],
  );
  return rows[0];
}

async function provisionDatabase(
  admin: Client,
  adminUrl: string,
  database: string,
  role: string,
): Promise<ProvisionStep> {
  const db = escapeIdentifier(database);
  const owner = escapeIdentifier(role);
  const step: ProvisionStep = { kind: 'database', name: database, created: false, changes: [] };
  let row = await databaseRow(admin, database, role);
  if (!row) {
    try {
      await admin.query(`CREATE DATABASE ${db} OWNER ${owner}`);
      step.created = true;
      step.changes.push(`owner ${role}`);
    } catch (err) {
      // 42P04 duplicate_database, 23505 unique_violation: a service (dev path, as superuser) created it meanwhile.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
    }
    row = (await databaseRow(admin, database, role))!;
  }
  if (row.owner !== role) {
    await admin.query(`ALTER DATABASE ${db} OWNER TO ${owner}`);
    step.changes.push(`owner ${role} (was ${row.owner})`);
  }
  // Only the owner connects (superusers always can): another service's role is refused at the door.
  if (row.public_access) {
    await admin.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${db} FROM PUBLIC`);
    step.changes.push('CONNECT for its owner only');
  }
  // After the changes above: an owner keeps CONNECT unless someone revoked it from it explicitly.
  if (!(await databaseRow(admin, database, role))!.owner_connects) {
    await admin.query(`GRANT CONNECT ON DATABASE ${db} TO ${owner}`);
    step.changes.push(`CONNECT granted to ${role}`);
  }
  const reassigned = await reassignObjects(adminUrl, database, role);
  if (reassigned) step.changes.push(reassigned);
  return step;
}

const ALTER_BY_RELKIND: Record<string, string> = {
  r: 'TABLE',
  p: 'TABLE',
  f: 'FOREIGN TABLE',
  v: 'VIEW',
  m: 'MATERIALIZED VIEW',
  S: 'SEQUENCE',
};

/**
 * Gives `role` what is already in the database's schema public (tables created by migrations that ran as postgres,
 * their sequences, the migrations table) and the schema itself. Not REASSIGN OWNED BY postgres: that would also hand
 * over everything else postgres owns, other databases included. The services' migrations create tables, indexes and
 * sequences only, so those (and views) are what is looked at; indexes follow their table.
 */
async function reassignObjects(adminUrl: string, database: string, role: string): Promise<string | undefined> {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  const client = new Client({ connectionString: url.toString(), application_name: 'ctp-db-provision' });
  await client.connect();
  try {
    await client.query('BEGIN');
    const owner = escapeIdentifier(role);
    const others = (kinds: string[]) =>
      client.query<{ relname: string; relkind: string }>(
        `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = ANY($1) AND pg_get_userbyid(c.relowner) <> $2
          ORDER BY c.relname`,
        [kinds, role],
      );
    let count = 0;
    // Tables first: ALTER TABLE takes their serial and identity sequences along, which may not be altered alone.
    for (const kinds of [['r', 'p', 'f', 'v', 'm'], ['S']]) {
      for (const { relname, relkind } of (await others(kinds)).rows) {
        await client.query(`ALTER ${ALTER_BY_RELKIND[relkind]} public.${escapeIdentifier(relname)} OWNER TO ${owner}`);
        count++;
      }
    }
    // PostgreSQL 15 creates schema public owned by pg_database_owner, i.e. whoever owns the database: that is right
    // as it is. A database from an older version has it owned by postgres.
    const { rows } = await client.query<{ owner: string }>(
      `SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'public'`,
    );
    const schemaOwner = rows[0]?.owner;
    const schemaChanged = schemaOwner !== undefined && schemaOwner !== role && schemaOwner !== 'pg_database_owner';
    if (schemaChanged) await client.query(`ALTER SCHEMA public OWNER TO ${owner}`);
    await client.query('COMMIT');
    const changes = [
      count ? `${count} object${count === 1 ? '' : 's'} now owned by ${role}` : '',
      schemaChanged ? `schema public owned by ${role} (was ${schemaOwner})` : '',
    ].filter(Boolean);
    return changes.length ? changes.join(', ') : undefined;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}
