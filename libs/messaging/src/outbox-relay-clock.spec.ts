import { JetStreamClient } from '@nats-io/jetstream';
import { createLogger, Metrics } from '@ctp/observability';
import { DataSource } from 'typeorm';
import { DEFAULT_OUTBOX_RELAY_OPTIONS, OutboxRelay } from './outbox-relay';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function row(id: number) {
  return { id: String(id), event_id: `e-${id}`, subject: 'ctp.hub.afr.x', payload: '{}', correlation_id: null };
}

describe('OutboxRelay, when the wall clock is stepped back', () => {
  afterEach(() => jest.restoreAllMocks());

  it('still marks the rows it published sent, and still polls the table (its intervals are on the monotonic clock)', async () => {
    const statements: { sql: string; params?: unknown[] }[] = [];
    const ds = {
      createQueryRunner: () => ({
        connect: async () => undefined,
        query: async (sql: string) => (sql.includes('pg_try_advisory_lock') ? [{ locked: true }] : [{}]),
        release: async () => undefined,
      }),
      query: async (sql: string, params?: unknown[]) => {
        statements.push({ sql, params });
        if (sql.includes('WHERE sent_at IS NULL AND NOT')) return [];
        return sql.includes('count(*)') ? [{ backlog: 0, oldest_age: 0 }] : [];
      },
    } as unknown as DataSource;
    const published: string[] = [];
    const broker = {
      publish: async (_s: string, _p: string, opts: { msgID: string }) => {
        published.push(opts.msgID);
        return { duplicate: false };
      },
    } as unknown as JetStreamClient;
    const relay = new OutboxRelay(ds, broker, createLogger('test', 'silent'), new Metrics('test'), {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      lingerMs: 0,
      pollIntervalMs: 100,
      markEveryMs: 50,
    });
    const tableReads = () => statements.filter((s) => s.sql.includes('WHERE sent_at IS NULL AND NOT')).length;
    relay.start();
    for (let i = 0; i < 200 && tableReads() === 0; i++) await sleep(5);
    // Leading, and one round done (its marks and scans stamped). Now the machine's clock goes back a day.
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 24 * 3600 * 1000);
    const readsBefore = tableReads();
    relay.committed([row(2), row(3)]);
    const marked = () =>
      statements.find((s) => s.sql.includes('SET sent_at = now()') && (s.params?.[0] as string[]).includes('3'));
    for (let i = 0; i < 200 && !marked(); i++) await sleep(5);
    await sleep(350);
    // Before stop(), which marks whatever is left anyway.
    const markedWhileRunning = marked()?.params;
    const pollsWhileRunning = tableReads() - readsBefore;
    await relay.stop();

    expect(published).toEqual(['e-2', 'e-3']);
    expect(markedWhileRunning).toEqual([['2', '3']]);
    // Polled on, every pollIntervalMs, as before the step.
    expect(pollsWhileRunning).toBeGreaterThanOrEqual(2);
  });
});
