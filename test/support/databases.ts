import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one test, dropped afterwards. The service creates its tables by migrations. */
export class TestDatabase {
  private constructor(readonly name: string) {}

  static fresh(prefix: string): TestDatabase {
    return new TestDatabase(`ctp_test_${prefix}_${randomBytes(4).toString('hex')}`);
  }

  /** A database another program creates under this name (e.g. `platform:rebuild` into `<name>_rebuild`). */
  static named(name: string): TestDatabase {
    return new TestDatabase(name);
  }

  get url(): string {
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${this.name}`;
    return u.toString();
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: this.url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  async drop(): Promise<void> {
    const c = new Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  }
}
