import { JsMsg } from '@nats-io/jetstream';
import { createLogger, Metrics } from '@ctp/observability';
import type { Transaction, UnitOfWork } from '@ctp/persistence';
import { DeadLetters } from './dead-letters';
import { DEFAULT_SERVER_OPTIONS, JetStreamServer, JetStreamServerOptions } from './jetstream.server';
import { batchOf, EventOutcome, ReceivedEvent } from './received-event';

/** A message as the broker would deliver it, without a broker: only what processBatch reads. */
function msg(seq: number, type: string, id: string): JsMsg & { acked: boolean } {
  const m = {
    acked: false,
    seq,
    subject: `ctp.test.${type}`,
    data: Buffer.from(JSON.stringify({ specversion: '1.0', id, source: '/ctp/test', type, data: { id } })),
    headers: undefined,
    info: { deliveryCount: 1, stream: 'CTP_EVENTS' },
    ack() {
      m.acked = true;
    },
    nak() {},
  };
  return m as unknown as JsMsg & { acked: boolean };
}

/** A unit of work whose inbox says every event is new; `transactions.n` counts the transactions begun. */
function fakeUnitOfWork(transactions = { n: 0 }): UnitOfWork {
  return {
    run: async <T>(work: (tx: Transaction) => Promise<T>) => {
      transactions.n++;
      const manager = {
        query: async (sql: string, params: unknown[][]) =>
          sql.includes('INSERT INTO inbox_events')
            ? (params[1] as string[]).map((source, i) => ({ source, event_id: (params[2] as string[])[i] }))
            : [],
      };
      return work({ manager, afterCommit: () => undefined } as unknown as Transaction);
    },
  } as unknown as UnitOfWork;
}

/** A server over the fake unit of work, with the default options but these. */
function serverWith(options: Partial<JetStreamServerOptions>, transactions = { n: 0 }): JetStreamServer {
  return new JetStreamServer(
    {} as never,
    {} as never,
    fakeUnitOfWork(transactions),
    {} as DeadLetters,
    createLogger('test', 'silent'),
    new Metrics('test'),
    { ...DEFAULT_SERVER_OPTIONS, stream: 'CTP_EVENTS', consumers: [], ...options },
  );
}

describe('JetStreamServer.processBatch', () => {
  it('gives a batch handler registered for several types all of its events in one call, in delivery order', async () => {
    const server = serverWith({ maxAckPending: 100, lingerMs: 0 });
    const calls: string[][] = [];
    const handler = async (events: ReceivedEvent[]): Promise<EventOutcome[]> => {
      calls.push(events.map((e) => e.envelope.id));
      return events.map(() => ({ outcome: 'APPLIED' }));
    };
    // What Nest does for @EventPattern(['t.updated', 't.reported'], batchOf('x')): one function per pattern.
    const extras = batchOf('x');
    server.addHandler('t.updated', handler.bind(null) as never, true, extras);
    server.addHandler('t.reported', handler.bind(null) as never, true, extras);
    const msgs = [msg(1, 't.updated', 'y-v2'), msg(2, 't.reported', 'x-v1'), msg(3, 't.updated', 'x-v2')];
    await server.processBatch({ durable: 'test', filterSubject: 'ctp.test.>' }, msgs);
    expect(calls).toEqual([['y-v2', 'x-v1', 'x-v2']]);
    expect(msgs.every((m) => m.acked)).toBe(true);
  });
});

describe('JetStreamServer.processBatch, mixed handlers', () => {
  it('keeps delivery order across handlers: a batch run is cut where another handler’s event comes in between', async () => {
    const transactions = { n: 0 };
    const server = serverWith({ maxAckPending: 100, lingerMs: 0 }, transactions);
    const calls: string[] = [];
    server.addHandler(
      't.updated',
      (async (events: ReceivedEvent[]) => {
        calls.push(`tx${transactions.n} batch(${events.map((e) => e.envelope.id).join(',')})`);
        return events.map(() => ({ outcome: 'APPLIED' }));
      }) as never,
      true,
      batchOf('x'),
    );
    server.addHandler(
      't.digest',
      (async (event: ReceivedEvent) => {
        calls.push(`tx${transactions.n} single(${event.envelope.id})`);
      }) as never,
      true,
      {},
    );
    const msgs = [
      msg(1, 't.updated', 'a'),
      msg(2, 't.updated', 'b'),
      msg(3, 't.digest', 'd'),
      msg(4, 't.updated', 'c'),
    ];
    await server.processBatch({ durable: 'test', filterSubject: 'ctp.test.>' }, msgs);
    // The batch handler's second run starts a transaction of its own: called twice in one, it would lock its keys in
    // two steps, and two replicas could deadlock (batch-applier.ts `segments`).
    expect(calls).toEqual(['tx1 batch(a,b)', 'tx1 single(d)', 'tx2 batch(c)']);
    expect(msgs.every((m) => m.acked)).toBe(true);
  });
});

describe('JetStreamServer failures', () => {
  function failingServer(err: Error, details: string[] = []) {
    const sent: string[] = [];
    const deadLetters = {
      send: async (_consumer: string, _msg: JsMsg, reason: string, detail: string) => {
        sent.push(reason);
        details.push(detail);
      },
    } as unknown as DeadLetters;
    const unitOfWork = {
      run: async () => {
        throw err;
      },
    } as unknown as UnitOfWork;
    const server = new JetStreamServer(
      {} as never,
      {} as never,
      unitOfWork,
      deadLetters,
      createLogger('test', 'silent'),
      new Metrics('test'),
      {
        stream: 'CTP_EVENTS',
        consumers: [],
        maxBatch: 500,
        maxDeliver: 5,
        ackWaitMs: 30_000,
        maxAckPending: 100,
        lingerMs: 0,
      },
    );
    return { server, sent };
  }

  function delivered(deliveryCount: number) {
    const m = msg(1, 't.updated', 'a') as JsMsg & { acked: boolean; naked?: number };
    (m.info as { deliveryCount: number }).deliveryCount = deliveryCount;
    m.nak = (delay?: number) => void (m.naked = delay);
    return m;
  }

  it('dead-letters an event that still fails at maxDeliver while the database answers', async () => {
    const { server, sent } = failingServer(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
    const m = delivered(5);
    await server.processBatch({ durable: 'test', filterSubject: 'ctp.test.>' }, [m]);
    expect(sent).toEqual(['MAX_DELIVER_EXCEEDED']);
    expect(m.acked).toBe(true);
  });

  it('dead-letters on the first delivery what PostgreSQL refuses for its values, saying the SQLSTATE and why', async () => {
    const pg = Object.assign(new Error('date/time field value out of range: "0000-01-01"'), { code: '22008' });
    const details: string[] = [];
    const { server, sent } = failingServer(Object.assign(new Error(pg.message), { driverError: pg }), details);
    const m = delivered(1);
    await server.processBatch({ durable: 'test', filterSubject: 'ctp.test.>' }, [m]);
    expect(sent).toEqual(['SQLSTATE_22008']);
    expect(details).toEqual(['SQLSTATE 22008 (data exception): date/time field value out of range: "0000-01-01"']);
    expect(m.acked).toBe(true);
    expect(m.naked).toBeUndefined();
  });

  it('redelivers a unique violation (a race may explain it) until maxDeliver', async () => {
    const { server, sent } = failingServer(Object.assign(new Error('duplicate key value'), { code: '23505' }));
    const m = delivered(1);
    await server.processBatch({ durable: 'test', filterSubject: 'ctp.test.>' }, [m]);
    expect(sent).toEqual([]);
    expect(m.naked).toBeGreaterThan(0);
  });

  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['connection lost', new Error('Connection terminated unexpectedly')],
    ['server starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['wrapped by TypeORM', Object.assign(new Error('query failed'), { driverError: { code: '57P01' } })],
  ])('never dead-letters an event because the database is unavailable (%s): it is nak’ed again', async (_, err) => {
    const { server, sent } = failingServer(err);
    const m = delivered(12);
    await server.processBatch({ durable: 'test', filterSubject: 'ctp.test.>' }, [m]);
    expect(sent).toEqual([]);
    expect(m.acked).toBe(false);
    expect(m.naked).toBeGreaterThan(0);
  });
});

describe('JetStreamServer pulls', () => {
  it('pulls with a short expiry, so that a consumer whose cluster node died pulls again within seconds', async () => {
    const pulls: Record<string, unknown>[] = [];
    const js = {
      consumers: {
        get: async () => ({
          consume: async (opts: Record<string, unknown>) => {
            pulls.push(opts);
            return { stop: () => undefined };
          },
        }),
      },
    };
    const jsm = { consumers: { info: async () => ({}), update: async () => ({}) } };
    const server = new JetStreamServer(
      js as never,
      jsm as never,
      fakeUnitOfWork(),
      {} as DeadLetters,
      createLogger('test', 'silent'),
      new Metrics('test'),
      {
        ...DEFAULT_SERVER_OPTIONS,
        stream: 'CTP_EVENTS',
        consumers: [{ durable: 'test', filterSubject: 'ctp.test.>' }],
      },
    );
    await new Promise<void>((resolve, reject) => server.listen((err) => (err ? reject(err) : resolve())));
    await server.close();
    // The client library sends heartbeats every half of it and pulls again after two missed: ~5 s, not its 30 s.
    expect(pulls).toEqual([expect.objectContaining({ expires: 5000 })]);
  });
});

describe('JetStreamServer run loop, concurrent batches', () => {
  type Loop = { runLoop(b: unknown): Promise<void>; closing: boolean };
  type Bound = { bindings: { scheduler: { push(m: JsMsg): void }; notify?: () => void }[] };

  /** The server's binding for `spec`, with `msgs` received. */
  function bound(server: JetStreamServer, msgs: JsMsg[]) {
    const [binding] = (server as unknown as Bound).bindings;
    for (const m of msgs) binding.scheduler.push(m);
    return binding;
  }

  it('applies batches of different keys at once, never two holding one key, and an event without a key alone', async () => {
    const server = serverWith({
      maxBatch: 2,
      lingerMs: 0,
      concurrentBatches: 2,
      consumers: [
        {
          durable: 'test',
          filterSubject: 'ctp.test.>',
          orderingKey: (e) => (e.type === 't.digest' ? undefined : (e.data as { id: string }).id.split('-')[0]),
        },
      ],
    });
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    const gated = async (ids: string) => {
      log.push(`start ${ids}`);
      await new Promise<void>((resolve) => gates.set(ids, resolve));
      log.push(`end ${ids}`);
    };
    server.addHandler(
      't.updated',
      (async (events: ReceivedEvent[]) => {
        await gated(events.map((e) => e.envelope.id).join(','));
        return events.map(() => ({ outcome: 'APPLIED' }));
      }) as never,
      true,
      batchOf('x'),
    );
    server.addHandler('t.digest', (async (event: ReceivedEvent) => gated(event.envelope.id)) as never, true, {});
    const release = async (ids: string) => {
      for (let i = 0; i < 100 && !gates.has(ids); i++) await new Promise((r) => setImmediate(r));
      gates.get(ids)!();
      gates.delete(ids);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    const msgs = [
      msg(1, 't.updated', 'a-1'),
      msg(2, 't.updated', 'b-1'),
      msg(3, 't.updated', 'c-1'),
      msg(4, 't.updated', 'a-2'),
      msg(5, 't.digest', 'd'),
      msg(6, 't.updated', 'e-1'),
    ];
    const binding = bound(server, msgs);
    const loop = (server as unknown as Loop).runLoop(binding);
    await release('c-1'); // ran beside a-1,b-1; a-2 waits: a is in the running batch
    expect(log).toEqual(['start a-1,b-1', 'start c-1', 'end c-1']);
    await release('a-1,b-1');
    // a-2 and the digest in one batch, alone: e-1 does not start beside it.
    await release('a-2');
    expect(log.slice(3)).toEqual(['end a-1,b-1', 'start a-2', 'end a-2', 'start d']);
    await release('d');
    await release('e-1');
    expect(log.slice(7)).toEqual(['end d', 'start e-1', 'end e-1']);
    expect(msgs.every((m) => m.acked)).toBe(true);
    (server as unknown as Loop).closing = true;
    binding.notify?.();
    await loop;
  });

  it('goes one batch at a time without an ordering key', async () => {
    const server = serverWith({
      maxBatch: 1,
      lingerMs: 0,
      concurrentBatches: 4,
      consumers: [{ durable: 'test', filterSubject: 'ctp.test.>' }],
    });
    let running = 0;
    let most = 0;
    server.addHandler(
      't.updated',
      (async (events: ReceivedEvent[]) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return events.map(() => ({ outcome: 'APPLIED' }));
      }) as never,
      true,
      batchOf('x'),
    );
    const msgs = [1, 2, 3, 4].map((i) => msg(i, 't.updated', `k${i}`));
    const binding = bound(server, msgs);
    const loop = (server as unknown as Loop).runLoop(binding);
    for (let i = 0; i < 100 && !msgs.every((m) => m.acked); i++) await new Promise((r) => setTimeout(r, 5));
    expect(msgs.every((m) => m.acked)).toBe(true);
    expect(most).toBe(1);
    (server as unknown as Loop).closing = true;
    binding.notify?.();
    await loop;
  });
});

describe('JetStreamServer.backlog', () => {
  it("counts the broker's pending messages only while messages keep arriving", () => {
    const server = serverWith({ consumers: [{ durable: 'a', filterSubject: 'ctp.a.>' }] });
    const [binding] = (
      server as unknown as {
        bindings: { scheduler: { push(m: unknown): void }; brokerPending?: number; receivedAt?: number }[];
      }
    ).bindings;
    binding.scheduler.push({});
    binding.scheduler.push({});
    binding.brokerPending = 40;
    binding.receivedAt = performance.now();
    expect(server.localBacklog()).toBe(2);
    expect(server.backlog()).toBe(42);
    binding.receivedAt = performance.now() - 1000;
    expect(server.backlog()).toBe(2);
  });
});
