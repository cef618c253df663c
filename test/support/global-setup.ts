import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { NATS_SERVER_BIN } from './nats-server';
import { PG_ADMIN_URL } from './databases';

/** Fails fast, with what to do, when what the integration tests need is missing. */
export default async function globalSetup(): Promise<void> {
  const root = join(__dirname, '../..');
  if (!existsSync(join(root, 'dist/apps/platform/src/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
  }
  try {
    execFileSync(NATS_SERVER_BIN, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${NATS_SERVER_BIN} not found: install it (apt-get install nats-server) or set NATS_SERVER_BIN`);
  }
  const c = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(err as Error).message}); start it or set TEST_PG_URL`,
    );
  } finally {
    await c.end().catch(() => undefined);
  }
}
