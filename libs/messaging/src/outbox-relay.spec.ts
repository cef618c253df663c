import { JetStreamClient } from '@nats-io/jetstream';
import { createLogger, Metrics } from '@ctp/observability';
import { DataSource } from 'typeorm';
import { DEFAULT_OUTBOX_RELAY_OPTIONS, OutboxRelay } from './outbox-relay';

/** A database holding one unsent row, and the advisory lock free: only what the relay's loop reads. */
function fakeDataSource(): DataSource {
  const row = { id: '1', event_id: 'e-1', subject: 'ctp.test.x', payload: '{}', correlation_id: null };
  return {
    createQueryRunner: () => ({
      connect: async () => undefined,
      query: async (sql: string) => (sql.includes('pg_try_advisory_lock') ? [{ locked: true }] : [{}]),
      release: async () => undefined,
    }),
    query: async (sql: string) =>
      sql.includes('count(*)') ? [{ backlog: 1 }] : sql.includes('WHERE sent_at IS NULL ORDER BY id') ? [row] : [],
  } as unknown as DataSource;
}

describe('OutboxRelay', () => {
  it('backs off after a failed round even while commits keep waking it', async () => {
    let rounds = 0;
    const js = {
      publish: async () => {
        rounds++;
        throw new Error('503 no responders');
      },
    } as unknown as JetStreamClient;
    const relay = new OutboxRelay(fakeDataSource(), js, createLogger('test', 'silent'), new Metrics('test'), {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      lingerMs: 0,
    });
    relay.start();
    // Commits every 5 ms, as under load: each one wakes the relay.
    const commits = setInterval(() => relay.wake(), 5);
    await new Promise((r) => setTimeout(r, 700));
    clearInterval(commits);
    await relay.stop();
    // Backoff 200 ms, 400 ms, 800 ms...: three or four rounds in 700 ms, not one per wake-up.
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(rounds).toBeLessThanOrEqual(4);
  });

  it('is woken at once by a commit when nothing failed', async () => {
    let rounds = 0;
    const js = {
      publish: async () => {
        rounds++;
        return { duplicate: false };
      },
    } as unknown as JetStreamClient;
    const relay = new OutboxRelay(fakeDataSource(), js, createLogger('test', 'silent'), new Metrics('test'), {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      pollIntervalMs: 10_000,
      lingerMs: 0,
    });
    relay.start();
    await new Promise((r) => setTimeout(r, 50));
    const before = rounds;
    relay.wake();
    await new Promise((r) => setTimeout(r, 50));
    await relay.stop();
    expect(rounds).toBe(before + 1);
  });
});
