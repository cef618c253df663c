import { Client } from 'pg';
import { databaseName } from './database-url';

const code = (err: unknown) => (err as { code?: string }).code;

/**
 * Creates the service's database when it does not exist yet (local machines and CI, where services connect as
 * postgres). Deployed, the database is provisioned beforehand (`npm run db:provision`) and the service's own role,
 * without CREATEDB, only finds it here. Safe when several processes race to create it.
 */
export async function ensureDatabaseExists(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const client = new Client({ connectionString: adminUrl.toString() });
  const mayNotCreate = () =>
    new Error(
      `database "${name}" does not exist and role "${client.user}" may not create it: ` +
        'run npm run db:provision as an administrator first',
    );
  try {
    await client.connect();
  } catch (err) {
    // A hardened server may keep service roles out of the maintenance database: their own database answering is enough.
    if (code(err) !== '42501' && code(err) !== '3D000') throw err;
    if (await databaseAnswers(databaseUrl)) return false;
    throw mayNotCreate();
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return true;
    } catch (err) {
      // 42P04 duplicate_database, 23505 unique_violation: another process created it between our check and create.
      if (code(err) === '42P04' || code(err) === '23505') return false;
      // 42501 insufficient_privilege: a role without CREATEDB, before provisioning ran.
      if (code(err) === '42501') throw mayNotCreate();
      throw err;
    }
  } finally {
    await client.end();
  }
}

/** True when the database itself accepts the connection; false when it does not exist. */
async function databaseAnswers(databaseUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    return true;
  } catch (err) {
    if (code(err) === '3D000') return false;
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}
