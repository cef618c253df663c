import { JetStreamClient, JsMsg, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { CtpLogger } from '@ctp/observability';
import { Transaction, UnitOfWork } from '@ctp/persistence';
import { DeadLetterEntry } from './dead-letter-lookup';
import { DeadLetterHeaders } from './dead-letters';
import { RecordedDeadLetters, RecordOnlyDeadLetters } from './recorded-dead-letters';

function message(seq: number, payload: string, msgId?: string): JsMsg {
  const h = natsHeaders();
  if (msgId) h.set('Nats-Msg-Id', msgId);
  return {
    subject: 'ctp.hub.eur.initiative.reported.v1',
    seq,
    data: new TextEncoder().encode(payload),
    headers: h,
    info: { stream: 'CTP_EVENTS', deliveryCount: 1 },
  } as unknown as JsMsg;
}

function rig(
  publish: (subject: string) => Promise<PubAck>,
  query = jest.fn(async () => []),
  Kind: typeof RecordedDeadLetters = RecordedDeadLetters,
) {
  const published: { subject: string; failedAt: string }[] = [];
  const js = {
    publish: jest.fn(async (subject: string, _data: unknown, opts: { headers: { get(k: string): string } }) => {
      published.push({ subject, failedAt: opts.headers.get(DeadLetterHeaders.failedAt) });
      return publish(subject);
    }),
  };
  const uow = { run: async <T>(work: (tx: Transaction) => Promise<T>) => work({ manager: { query } } as never) };
  const log = { error: jest.fn() };
  const dl = new Kind(
    js as unknown as JetStreamClient,
    'ctpdlq',
    uow as unknown as UnitOfWork,
    log as unknown as CtpLogger,
  );
  return { dl, js, query, log, published };
}

describe('RecordedDeadLetters', () => {
  it('records the dead letter with what the message carried and where the broker stored its copy', async () => {
    const { dl, query, published } = rig(async () => ({ stream: 'CTP_DEAD_LETTERS', seq: 42, duplicate: false }));
    const heard: DeadLetterEntry[] = [];
    dl.subscribe({ onDeadLettered: async (_tx, letter) => void heard.push(letter) });
    await dl.send('platform-hubs', message(7, '{not json', 'poison-1'), 'UNDECODABLE', 'payload is not JSON');

    expect(published.map((p) => p.subject)).toEqual(['ctpdlq.platform-hubs.ctp.hub.eur.initiative.reported.v1']);
    expect(query).toHaveBeenCalledTimes(1);
    expect(heard).toEqual([
      {
        consumer: 'platform-hubs',
        stream: 'CTP_EVENTS',
        streamSeq: 7,
        subject: 'ctp.hub.eur.initiative.reported.v1',
        source: null,
        eventId: 'poison-1',
        type: null,
        natsMsgId: 'poison-1',
        redrivenFrom: null,
        reason: 'UNDECODABLE',
        detail: 'payload is not JSON',
        deliveryCount: 1,
        dlqStream: 'CTP_DEAD_LETTERS',
        dlqSeq: 42,
        deadLetteredAt: new Date(published[0].failedAt),
      },
    ]);
  });

  it('keeps each concurrent dead letter with its own copy', async () => {
    let next = 100;
    const acks: (() => void)[] = [];
    const { dl } = rig(
      () =>
        new Promise<PubAck>((resolve) => {
          const seq = next++;
          acks.push(() => resolve({ stream: 'CTP_DEAD_LETTERS', seq, duplicate: false }));
        }),
    );
    const heard: [number, number | null][] = [];
    dl.subscribe({ onDeadLettered: async (_tx, l) => void heard.push([l.streamSeq, l.dlqSeq]) });
    const a = dl.send('platform-hubs', message(1, '{}'), 'INVALID_ENVELOPE');
    const b = dl.send('platform-hubs', message(2, '{}'), 'INVALID_ENVELOPE');
    await new Promise((r) => setImmediate(r));
    acks[1]();
    acks[0]();
    await Promise.all([a, b]);
    expect(heard.sort()).toEqual([
      [1, 100],
      [2, 101],
    ]);
  });

  it('does not record what the broker did not store, and says so by throwing as before', async () => {
    const { dl, query } = rig(async () => {
      throw new Error('no responders');
    });
    await expect(dl.send('platform-hubs', message(1, '{}'), 'INVALID_ENVELOPE')).rejects.toThrow('no responders');
    expect(query).not.toHaveBeenCalled();
  });

  it('logs a row it cannot write, and still counts the message as dead-lettered', async () => {
    const { dl, log } = rig(
      async () => ({ stream: 'CTP_DEAD_LETTERS', seq: 5, duplicate: false }),
      jest.fn(async () => {
        throw new Error('connection refused');
      }),
    );
    await expect(dl.send('platform-hubs', message(3, '{}', 'm-3'), 'INVALID_ENVELOPE')).resolves.toMatchObject({
      seq: 5,
    });
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'dead letter not recorded', dlqSeq: 5, eventId: 'm-3', streamSeq: 3 }),
    );
  });
});

describe('RecordOnlyDeadLetters (a rebuild)', () => {
  const noPublish = async (): Promise<PubAck> => {
    throw new Error('must not publish');
  };

  it('records the dead letter and tells the listeners, publishing nothing: no dead-letter stream position', async () => {
    const { dl, js, query } = rig(noPublish, undefined, RecordOnlyDeadLetters);
    const heard: DeadLetterEntry[] = [];
    dl.subscribe({ onDeadLettered: async (_tx, letter) => void heard.push(letter) });
    const stored = await dl.send('platform-hubs-rebuild-1', message(7, '{not json', 'poison-1'), 'UNDECODABLE');

    expect(js.publish).not.toHaveBeenCalled();
    expect(stored).toEqual({ stream: null, seq: null, failedAt: expect.any(Date) });
    expect(query).toHaveBeenCalledTimes(1);
    expect(heard).toEqual([
      expect.objectContaining({
        consumer: 'platform-hubs-rebuild-1',
        streamSeq: 7,
        eventId: 'poison-1',
        reason: 'UNDECODABLE',
        dlqStream: null,
        dlqSeq: null,
        deadLetteredAt: stored.failedAt,
      }),
    ]);
    expect(dl.recent()).toEqual([
      expect.objectContaining({ consumer: 'platform-hubs-rebuild-1', reason: 'UNDECODABLE' }),
    ]);
  });

  it('throws when the row cannot be written (it is the only record): the message is redelivered', async () => {
    const { dl, log } = rig(
      noPublish,
      jest.fn(async () => {
        throw new Error('connection refused');
      }),
      RecordOnlyDeadLetters,
    );
    await expect(dl.send('platform-hubs-rebuild-1', message(3, '{}'), 'INVALID_ENVELOPE')).rejects.toThrow(
      'connection refused',
    );
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ msg: 'dead letter not recorded', dlqSeq: null }));
  });
});
