import { JsMsg } from '@nats-io/jetstream';
import { createLogger, Metrics } from '@ctp/observability';
import type { Transaction, UnitOfWork } from '@ctp/persistence';
import { DeadLetters } from './dead-letters';
import { JetStreamServer } from './jetstream.server';
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

/** A unit of work whose inbox says every event is new, recording the SQL it was given. */
function fakeUnitOfWork(): UnitOfWork {
  return {
    run: async <T>(work: (tx: Transaction) => Promise<T>) => {
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

describe('JetStreamServer.processBatch', () => {
  it('gives a batch handler registered for several types all of its events in one call, in delivery order', async () => {
    const server = new JetStreamServer(
      {} as never,
      {} as never,
      fakeUnitOfWork(),
      {} as DeadLetters,
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
    const server = new JetStreamServer(
      {} as never,
      {} as never,
      fakeUnitOfWork(),
      {} as DeadLetters,
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
    const calls: string[] = [];
    server.addHandler(
      't.updated',
      (async (events: ReceivedEvent[]) => {
        calls.push(`batch(${events.map((e) => e.envelope.id).join(',')})`);
        return events.map(() => ({ outcome: 'APPLIED' }));
      }) as never,
      true,
      batchOf('x'),
    );
    server.addHandler(
      't.digest',
      (async (event: ReceivedEvent) => {
        calls.push(`single(${event.envelope.id})`);
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
    expect(calls).toEqual(['batch(a,b)', 'single(d)', 'batch(c)']);
  });
});
