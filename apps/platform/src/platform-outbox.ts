import { OutboxWriter } from '@ctp/messaging';

/**
 * The outbox writer the platform's features append with: the messaging lib's, except in the `api` role, whose writer
 * wakes the consumer thread's relay instead (that thread relays; see PlatformRuntimeModule).
 */
export const PLATFORM_OUTBOX = Symbol('PLATFORM_OUTBOX');

/**
 * Whether this instance publishes its events (false: a rebuild, `PlatformRunOptions.publish`). An instance that does
 * not has no relay: its features skip what only the events need (detection reads its pairs back to write them).
 */
export const PLATFORM_PUBLISHES = Symbol('PLATFORM_PUBLISHES');

/**
 * The outbox writer of an instance that publishes nothing (a rebuild): it appends nothing, since no relay would ever
 * send the rows (a rebuild of 200,000 records wrote 1.28 million `overlap flagged` rows for nothing: with the reads
 * back of their pairs, 19 % of its duplicate detection; docs/benchmark.md, "The cost curve").
 */
export class DiscardingOutboxWriter extends OutboxWriter {
  constructor() {
    super({ wake: () => undefined });
  }

  override async append(_tx?: unknown, _events?: unknown): Promise<void> {
    // Nothing: the rebuild's database is compared and dropped, its outbox never relayed.
  }

  /** The state change alone (`write.sql`, which returns a row when it applied), without its events. */
  override async appendWith(
    runner: { query(sql: string, params: unknown[]): Promise<unknown> },
    write: { sql: string; params: unknown[] },
    _events?: unknown,
  ): Promise<boolean> {
    const rows = (await runner.query(write.sql, write.params)) as unknown[];
    return rows.length > 0;
  }
}
