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
      sql.includes('count(*)') ? [{ backlog: 1 }] : sql.includes('WHERE sent_at IS NULL AND NOT') ? [row] : [],
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

  it('publishes the rows it is handed without reading them back, and marks them sent together', async () => {
    const statements: string[] = [];
    const published: string[] = [];
    const ds = {
      createQueryRunner: () => ({
        connect: async () => undefined,
        query: async (sql: string) => (sql.includes('pg_try_advisory_lock') ? [{ locked: true }] : [{}]),
        release: async () => undefined,
      }),
      query: async (sql: string, params?: unknown[]) => {
        statements.push(`${sql.replace(/\s+/g, ' ').trim()} ${JSON.stringify(params ?? [])}`);
        return sql.includes('count(*)') ? [{ backlog: 0 }] : [];
      },
    } as unknown as DataSource;
    const js = {
      publish: async (_subject: string, _payload: string, opts: { msgID: string }) => {
        published.push(opts.msgID);
        return { duplicate: false };
      },
    } as unknown as JetStreamClient;
    const relay = new OutboxRelay(ds, js, createLogger('test', 'silent'), new Metrics('test'), {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      pollIntervalMs: 10_000,
      lingerMs: 0,
      markEveryMs: 10_000, // so they are marked by stop(), in one statement
    });
    relay.start();
    await new Promise((r) => setTimeout(r, 50)); // the first round reads the table (empty here)
    const reads = () => statements.filter((s) => s.startsWith('SELECT id, event_id')).length;
    const readsBefore = reads();
    const row = (id: number) => ({
      id: String(id),
      event_id: `e-${id}`,
      subject: 'ctp.test.x',
      payload: '{}',
      correlation_id: null,
    });
    relay.committed([row(7), row(8)]);
    await new Promise((r) => setTimeout(r, 5));
    relay.committed([row(9)]);
    await new Promise((r) => setTimeout(r, 100));
    await relay.stop();
    expect(published).toEqual(['e-7', 'e-8', 'e-9']);
    expect(reads()).toBe(readsBefore);
    const marks = statements.filter((s) => s.startsWith('UPDATE outbox_events SET sent_at'));
    expect(marks).toEqual(['UPDATE outbox_events SET sent_at = now() WHERE id = ANY($1::bigint[]) [["7","8","9"]]']);
  });

  it('reads the table for a handed row whose publish failed, leaving out rows still in memory', async () => {
    const selects: unknown[][] = [];
    let failNext = true;
    const ds = {
      createQueryRunner: () => ({
        connect: async () => undefined,
        query: async (sql: string) => (sql.includes('pg_try_advisory_lock') ? [{ locked: true }] : [{}]),
        release: async () => undefined,
      }),
      query: async (sql: string, params?: unknown[]) => {
        if (sql.includes('WHERE sent_at IS NULL AND NOT')) selects.push(params ?? []);
        return sql.includes('count(*)') ? [{ backlog: 0 }] : [];
      },
    } as unknown as DataSource;
    const js = {
      publish: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('timeout');
        }
        return { duplicate: false };
      },
    } as unknown as JetStreamClient;
    const relay = new OutboxRelay(ds, js, createLogger('test', 'silent'), new Metrics('test'), {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      pollIntervalMs: 10_000,
      lingerMs: 0,
    });
    relay.start();
    await new Promise((r) => setTimeout(r, 50));
    const before = selects.length;
    relay.committed([{ id: '5', event_id: 'e-5', subject: 'ctp.test.x', payload: '{}', correlation_id: null }]);
    // The failed round backs off 200 ms, then reads the table (where row 5 still is, unsent).
    await new Promise((r) => setTimeout(r, 400));
    await relay.stop();
    expect(selects.length).toBeGreaterThan(before);
    expect(selects[before][1]).toEqual([]);
  });

  it('publishes handed rows also in rounds that read the table (every round, when commits come at the poll interval)', async () => {
    const published: string[] = [];
    const js = {
      publish: async (_subject: string, _payload: string, opts: { msgID: string }) => {
        published.push(opts.msgID);
        return { duplicate: false };
      },
    } as unknown as JetStreamClient;
    const empty = {
      createQueryRunner: () => ({
        connect: async () => undefined,
        query: async (sql: string) => (sql.includes('pg_try_advisory_lock') ? [{ locked: true }] : [{}]),
        release: async () => undefined,
      }),
      query: async (sql: string) => (sql.includes('count(*)') ? [{ backlog: 0 }] : []),
    } as unknown as DataSource;
    const relay = new OutboxRelay(empty, js, createLogger('test', 'silent'), new Metrics('test'), {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      pollIntervalMs: 1,
      lingerMs: 0,
    });
    relay.start();
    await new Promise((r) => setTimeout(r, 30));
    relay.committed([{ id: '3', event_id: 'e-3', subject: 'ctp.test.x', payload: '{}', correlation_id: null }]);
    await new Promise((r) => setTimeout(r, 30));
    await relay.stop();
    expect(published).toEqual(['e-3']);
  });

  it('publishes in id order what the table gives and what was handed over, in one round, each once', async () => {
    // v1 of an initiative is handed over while the relay reads the table, which gives v2: committed, not handed yet.
    const published: string[] = [];
    let v2Committed = false;
    let releaseRead: ((rows: unknown[]) => void) | undefined;
    const marked = new Set<string>();
    const row = (id: number) => ({
      id: String(id),
      event_id: `e-${id}`,
      subject: 'ctp.test.x',
      payload: '{}',
      correlation_id: null,
    });
    const ds = {
      createQueryRunner: () => ({
        connect: async () => undefined,
        query: async (sql: string) => (sql.includes('pg_try_advisory_lock') ? [{ locked: true }] : [{}]),
        release: async () => undefined,
      }),
      query: (sql: string, params?: unknown[]) => {
        if (sql.includes('count(*)')) return Promise.resolve([{ backlog: 0 }]);
        if (sql.startsWith('UPDATE outbox_events SET sent_at'))
          (params![0] as string[]).forEach((id) => marked.add(id));
        if (!sql.includes('WHERE sent_at IS NULL AND NOT') || !v2Committed || marked.has('11') || releaseRead)
          return Promise.resolve([]);
        return new Promise((resolve) => (releaseRead = resolve));
      },
    } as unknown as DataSource;
    const js = {
      publish: async (_subject: string, _payload: string, opts: { msgID: string }) => {
        published.push(opts.msgID);
        return { duplicate: false };
      },
    } as unknown as JetStreamClient;
    const relay = new OutboxRelay(ds, js, createLogger('test', 'silent'), new Metrics('test'), {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      pollIntervalMs: 1,
      lingerMs: 0,
    });
    relay.start();
    await new Promise((r) => setTimeout(r, 20));
    v2Committed = true;
    for (let i = 0; i < 100 && !releaseRead; i++) await new Promise((r) => setTimeout(r, 1));
    relay.committed([row(10)]);
    releaseRead!([row(11)]);
    await new Promise((r) => setTimeout(r, 20));
    relay.committed([row(11)]); // v2's own hand-over, arriving after it was published and marked: not again
    await new Promise((r) => setTimeout(r, 20));
    await relay.stop();
    expect(published).toEqual(['e-10', 'e-11']);
  });
});
