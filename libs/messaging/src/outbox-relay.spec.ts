import { JetStreamClient } from '@nats-io/jetstream';
import { createLogger, Metrics } from '@ctp/observability';
import { DataSource } from 'typeorm';
import { DEFAULT_OUTBOX_RELAY_OPTIONS, OutboxRelay, OutboxRelayOptions } from './outbox-relay';

/** A database whose advisory lock is free; `query` answers the relay's statements (only what its loop sends). */
function fakeDataSource(query: (sql: string, params?: unknown[]) => unknown[] | Promise<unknown[]>): DataSource {
  return {
    createQueryRunner: () => ({
      connect: async () => undefined,
      query: async (sql: string) => (sql.includes('pg_try_advisory_lock') ? [{ locked: true }] : [{}]),
      release: async () => undefined,
    }),
    query: async (sql: string, params?: unknown[]) =>
      sql.includes('count(*)') ? [{ backlog: 0 }] : await query(sql, params),
  } as unknown as DataSource;
}

const isTableRead = (sql: string) => sql.includes('WHERE sent_at IS NULL AND NOT');

/** One unsent row in the table. */
const oneUnsentRow = () => fakeDataSource((sql) => (isTableRead(sql) ? [row(1)] : []));

function row(id: number) {
  return { id: String(id), event_id: `e-${id}`, subject: 'ctp.test.x', payload: '{}', correlation_id: null };
}

/**
 * An outbox table of unsent rows, read as the relay reads it (without the ids it holds in memory, oldest first) and
 * marked as it marks them. `holdNextRead(...ids)` commits those rows and makes the relay's next read of the table wait
 * (it resolves once that read has started, with the function that lets it answer): what the relay is handed over
 * meanwhile meets what the read then gives.
 */
function unsentTable() {
  const unsent = new Set<string>();
  let hold = false;
  let release: (() => void) | undefined;
  const ds = fakeDataSource(async (sql, params) => {
    if (sql.startsWith('UPDATE outbox_events SET sent_at')) (params![0] as string[]).forEach((id) => unsent.delete(id));
    if (!isTableRead(sql)) return [];
    if (hold) {
      hold = false;
      await new Promise<void>((resolve) => (release = resolve));
    }
    const [limit, inMemory] = params as [number, string[]];
    return [...unsent]
      .filter((id) => !inMemory.includes(id))
      .slice(0, limit)
      .map((id) => row(Number(id)));
  });
  return {
    ds,
    async holdNextRead(...ids: number[]): Promise<() => void> {
      hold = true; // before the rows are there: no read gives them without being held
      for (const id of ids) unsent.add(String(id));
      for (let i = 0; i < 100 && !release; i++) await sleep(1);
      expect(release).toBeDefined();
      return release!;
    },
  };
}

/** A broker taking every publish, recording the message ids in order. */
function recordingBroker(published: string[]): JetStreamClient {
  return {
    publish: async (_subject: string, _payload: string, opts: { msgID: string }) => {
      published.push(opts.msgID);
      return { duplicate: false };
    },
  } as unknown as JetStreamClient;
}

function relayWith(ds: DataSource, js: JetStreamClient, options: Partial<OutboxRelayOptions>): OutboxRelay {
  return new OutboxRelay(ds, js, createLogger('test', 'silent'), new Metrics('test'), {
    ...DEFAULT_OUTBOX_RELAY_OPTIONS,
    lingerMs: 0,
    ...options,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OutboxRelay', () => {
  it('backs off after a failed round even while commits keep waking it', async () => {
    let rounds = 0;
    const js = {
      publish: async () => {
        rounds++;
        throw new Error('503 no responders');
      },
    } as unknown as JetStreamClient;
    const relay = relayWith(oneUnsentRow(), js, {});
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
    const relay = relayWith(oneUnsentRow(), js, { pollIntervalMs: 10_000 });
    relay.start();
    await sleep(50);
    const before = rounds;
    relay.wake();
    await new Promise((r) => setTimeout(r, 50));
    await relay.stop();
    expect(rounds).toBe(before + 1);
  });

  it('publishes the rows it is handed without reading them back, and marks them sent together', async () => {
    const statements: string[] = [];
    const published: string[] = [];
    const ds = fakeDataSource((sql, params) => {
      statements.push(`${sql.replace(/\s+/g, ' ').trim()} ${JSON.stringify(params ?? [])}`);
      return [];
    });
    // markEveryMs: so they are marked by stop(), in one statement.
    const relay = relayWith(ds, recordingBroker(published), { pollIntervalMs: 10_000, markEveryMs: 10_000 });
    relay.start();
    await sleep(50); // the first round reads the table (empty here)
    const reads = () => statements.filter((s) => s.startsWith('SELECT id, event_id')).length;
    const readsBefore = reads();
    relay.committed([row(7), row(8)]);
    await sleep(5);
    relay.committed([row(9)]);
    await sleep(100);
    await relay.stop();
    expect(published).toEqual(['e-7', 'e-8', 'e-9']);
    expect(reads()).toBe(readsBefore);
    const marks = statements.filter((s) => s.startsWith('UPDATE outbox_events SET sent_at'));
    expect(marks).toEqual(['UPDATE outbox_events SET sent_at = now() WHERE id = ANY($1::bigint[]) [["7","8","9"]]']);
  });

  it('publishes in id order the rows one hand-over gives in another order', async () => {
    const published: string[] = [];
    const relay = relayWith(
      fakeDataSource(() => []),
      recordingBroker(published),
      { pollIntervalMs: 10_000 },
    );
    relay.start();
    await sleep(50);
    relay.committed([row(9), row(7), row(8)]);
    await sleep(50);
    await relay.stop();
    expect(published).toEqual(['e-7', 'e-8', 'e-9']);
  });

  it('reads the table for a handed row whose publish failed, leaving out rows still in memory', async () => {
    const selects: unknown[][] = [];
    let failNext = true;
    const ds = fakeDataSource((sql, params) => {
      if (isTableRead(sql)) selects.push(params ?? []);
      return [];
    });
    const js = {
      publish: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('timeout');
        }
        return { duplicate: false };
      },
    } as unknown as JetStreamClient;
    const relay = relayWith(ds, js, { pollIntervalMs: 10_000 });
    relay.start();
    await sleep(50);
    const before = selects.length;
    relay.committed([row(5)]);
    // The failed round backs off 200 ms, then reads the table (where row 5 still is, unsent).
    await sleep(400);
    await relay.stop();
    expect(selects.length).toBeGreaterThan(before);
    expect(selects[before][1]).toEqual([]);
  });

  it('publishes handed rows also in rounds that read the table (every round, when commits come at the poll interval)', async () => {
    const published: string[] = [];
    const relay = relayWith(
      fakeDataSource(() => []),
      recordingBroker(published),
      { pollIntervalMs: 1 },
    );
    relay.start();
    await sleep(30);
    relay.committed([row(3)]);
    await sleep(30);
    await relay.stop();
    expect(published).toEqual(['e-3']);
  });

  it('publishes in id order what the table gives and what was handed over, in one round, each once', async () => {
    // v1 of an initiative is handed over while the relay reads the table, which gives v2: committed, not handed yet.
    const published: string[] = [];
    let v2Committed = false;
    let releaseRead: ((rows: unknown[]) => void) | undefined;
    const marked = new Set<string>();
    const ds = fakeDataSource((sql, params) => {
      if (sql.startsWith('UPDATE outbox_events SET sent_at')) (params![0] as string[]).forEach((id) => marked.add(id));
      if (!isTableRead(sql) || !v2Committed || marked.has('11') || releaseRead) return [];
      return new Promise((resolve) => (releaseRead = resolve));
    });
    const relay = relayWith(ds, recordingBroker(published), { pollIntervalMs: 1 });
    relay.start();
    await sleep(20);
    v2Committed = true;
    for (let i = 0; i < 100 && !releaseRead; i++) await sleep(1);
    relay.committed([row(10)]);
    releaseRead!([row(11)]);
    await sleep(20);
    relay.committed([row(11)]); // v2's own hand-over, arriving after it was published and marked: not again
    await sleep(20);
    await relay.stop();
    expect(published).toEqual(['e-10', 'e-11']);
  });

  it('leaves a table row for a later round when the handed rows before it do not all fit in this one', async () => {
    // Rows 1–4 (one transaction) are handed over while the relay reads the table, which gives row 5: the next
    // transaction, committed, not handed yet. With 4 rows a round, 5 must still leave after 4.
    const published: string[] = [];
    const table = unsentTable();
    const relay = relayWith(table.ds, recordingBroker(published), { pollIntervalMs: 1, batchSize: 4 });
    relay.start();
    await sleep(20);
    const release = await table.holdNextRead(5);
    relay.committed([row(1), row(2), row(3), row(4)]);
    release();
    await sleep(50);
    relay.committed([row(5)]); // its own hand-over, after it was published: not again
    await sleep(20);
    await relay.stop();
    expect(published).toEqual(['e-1', 'e-2', 'e-3', 'e-4', 'e-5']);
  });

  it('publishes once a row handed over while the table read gave it too', async () => {
    const published: string[] = [];
    const table = unsentTable();
    const relay = relayWith(table.ds, recordingBroker(published), { pollIntervalMs: 1 });
    relay.start();
    await sleep(20);
    // All four committed; 1–3 handed over during the read, 4 not yet.
    const release = await table.holdNextRead(1, 2, 3, 4);
    relay.committed([row(1), row(2), row(3)]);
    release();
    await sleep(50);
    await relay.stop();
    expect(published).toEqual(['e-1', 'e-2', 'e-3', 'e-4']);
  });

  it("exports the backlog and the oldest unsent row's age while it leads, and 0 for both once it lost the lock", async () => {
    // The broker refuses every publish, so each turn fails and the lock is checked (dropIfLost) after it.
    let lockConnectionAlive = true;
    const measured: string[] = [];
    const ds = {
      createQueryRunner: () => ({
        connect: async () => undefined,
        query: async (sql: string) => {
          if (sql.includes('pg_try_advisory_lock')) return [{ locked: measured.length === 0 }];
          if (!lockConnectionAlive) throw new Error('Connection terminated unexpectedly');
          return [{}];
        },
        release: async () => undefined,
      }),
      query: async (sql: string) => {
        if (sql.includes('count(*)')) {
          measured.push(sql);
          return [{ backlog: 7, oldest_age: 42.5 }];
        }
        return isTableRead(sql) ? [row(1)] : [];
      },
    } as unknown as DataSource;
    const refusing = {
      publish: async () => {
        throw new Error('503 no responders');
      },
    } as unknown as JetStreamClient;
    const metrics = new Metrics('test');
    const value = async (gauge: { get(): Promise<{ values: { value: number }[] }> }) =>
      (await gauge.get()).values[0]?.value;
    const relay = new OutboxRelay(ds, refusing, createLogger('test', 'silent'), metrics, {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      lingerMs: 0,
    });
    relay.start();
    for (let i = 0; i < 100 && (await value(metrics.outboxOldestUnsentAge)) !== 42.5; i++) await sleep(5);
    expect(await value(metrics.outboxBacklog)).toBe(7);
    expect(await value(metrics.outboxOldestUnsentAge)).toBe(42.5);
    expect(measured[0]).toMatch(/min\(created_at\)[\s\S]*WHERE sent_at IS NULL/);

    // The lock's connection dies: after the next failed turn this process is a standby, and another one leads.
    lockConnectionAlive = false;
    for (let i = 0; i < 200 && (await value(metrics.outboxOldestUnsentAge)) !== 0; i++) await sleep(5);
    await relay.stop();
    expect(await value(metrics.outboxBacklog)).toBe(0);
    expect(await value(metrics.outboxOldestUnsentAge)).toBe(0);
  });
});
