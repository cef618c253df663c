import type { NatsConnection } from '@nats-io/nats-core';
import { createLogger } from '@ctp/observability';
import type { UnitOfWork } from '@ctp/persistence';
import type { EntityManager } from 'typeorm';
import type { OutboxWriter } from './outbox';
import { SyncSource } from './sync-source';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SyncSource, when the wall clock is stepped back', () => {
  afterEach(() => jest.restoreAllMocks());

  it('still publishes the unchanged digest every heartbeat (the heartbeat is timed on the monotonic clock)', async () => {
    const appended: unknown[] = [];
    const manager = {
      query: async (sql: string) =>
        sql.includes('unnest') ? [{ source: 'ctp.hub.afr', count: 3, hash: 'same-hash' }] : [],
    } as unknown as EntityManager;
    const unitOfWork = {
      run: async <T>(work: (tx: unknown) => Promise<T>): Promise<T> => {
        const callbacks: (() => void)[] = [];
        const result = await work({ manager, afterCommit: (cb: () => void) => callbacks.push(cb) });
        for (const cb of callbacks) cb();
        return result;
      },
    } as unknown as UnitOfWork;
    const source = new SyncSource({
      table: 'initiatives',
      scopes: async () => [{ source: 'ctp.hub.afr' }],
      requestKeys: 'hub.afr',
      settings: { service: 'hub-afr', reconcileIntervalMs: 1000, reconcileHeartbeatMs: 100 },
      nc: {} as NatsConnection,
      unitOfWork,
      log: createLogger('test', 'silent'),
      outbox: {
        append: async (_tx: unknown, events: unknown[]) => appended.push(...events),
      } as unknown as OutboxWriter,
    });

    expect(await source.publishDigests()).toHaveLength(1);
    // Unchanged and not due yet.
    expect(await source.publishDigests()).toHaveLength(0);
    // The machine's clock goes back a day; a heartbeat later the unchanged digest is due all the same.
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 24 * 3600 * 1000);
    await sleep(150);
    expect((await source.publishDigests()).map((d) => d.hash)).toEqual(['same-hash']);
    expect(appended).toHaveLength(2);
  });
});
