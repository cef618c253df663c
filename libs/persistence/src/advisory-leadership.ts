import { DataSource, QueryRunner } from 'typeorm';

/**
 * "Only one of us does this": a PostgreSQL session advisory lock held on a dedicated connection. Whoever holds it is
 * active; the others stay standby and take over when it is released or its connection dies (the lock goes with it).
 */
export class AdvisoryLeadership {
  private runner?: QueryRunner;

  constructor(
    private readonly dataSource: DataSource,
    readonly lockName: string,
  ) {}

  get held(): boolean {
    return this.runner !== undefined;
  }

  /** True when we hold the lock (already, or now); false when someone else does. */
  async acquire(): Promise<boolean> {
    if (this.runner) return true;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [this.lockName]);
    if (!locked) {
      await runner.release();
      return false;
    }
    this.runner = runner;
    return true;
  }

  /** After a failure: if the lock's connection is gone, forget it, so the next acquire() competes again. */
  async dropIfLost(): Promise<void> {
    if (!this.runner) return;
    try {
      await this.runner.query('SELECT 1');
    } catch {
      await this.release();
    }
  }

  async release(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    if (!runner) return;
    try {
      await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [this.lockName]);
    } catch {
      // The connection is gone, and the lock with it.
    }
    await runner.release().catch(() => undefined);
  }
}
