import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PG_ADMIN_URL } from '../../support/databases';

/**
 * A fresh database for one service of one scenario, on the shared server or on a scenario's own PostgreSQL. The
 * service creates it (and its tables) at start-up; the scenario drops it at the end.
 */
export class ScenarioDatabase {
  private constructor(
    readonly adminUrl: string,
    readonly name: string,
  ) {}

  static fresh(prefix: string, adminUrl: string = PG_ADMIN_URL): ScenarioDatabase {
    return new ScenarioDatabase(adminUrl, `ctp_test_fault_${prefix}_${randomBytes(4).toString('hex')}`);
  }

  get url(): string {
    const u = new URL(this.adminUrl);
    u.pathname = `/${this.name}`;
    return u.toString();
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: this.url, connectionTimeoutMillis: 3000, query_timeout: 10_000 });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async drop(): Promise<void> {
    const c = new Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 3000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
    } catch {
      // The scenario's own server may be gone already, and its databases with it.
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}
