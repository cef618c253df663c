/** Anything that runs SQL: a TypeORM EntityManager or QueryRunner, a pg Client. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * Locks `keys` (e.g. initiative ids) in the key space `space` until the transaction ends, whether or not a row exists
 * for them yet: `SELECT … FOR UPDATE` locks only rows that exist, so two transactions handling the first events of one
 * new record (two replicas sharing a consumer) would both see it absent and both apply. Locks are taken in one
 * statement, in one order (sorted, each key once), so two batches with keys in common wait for each other instead of
 * deadlocking. Two-key advisory locks (`pg_advisory_xact_lock(int, int)`): a space of their own, never the one-key
 * locks of the leaderships (`AdvisoryLeadership`), so a key cannot collide with a lock held for a process's lifetime.
 */
export async function lockKeys(runner: SqlRunner, space: string, keys: readonly string[]): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  // unnest yields the array's elements in order, and the locks are taken row by row in that order.
  await runner.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext(k)) FROM unnest($2::text[]) AS k`, [
    space,
    sorted,
  ]);
}
