import { randomUUID } from 'node:crypto';
import { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { DurableConsumers, JetStreamNames, Subjects } from '@ctp/contracts';
import {
  DeadLetters,
  DEFAULT_SERVER_OPTIONS,
  JetStreamServer,
  MESSAGING_MIGRATIONS,
  NatsIdentity,
} from '@ctp/messaging';
import { CtpLogger, Metrics } from '@ctp/observability';
import { openDataSource, UnitOfWork } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { ConsumerPositions1764330200000 } from '../../apps/platform/src/migrations/1764330200000-consumer-positions';
import { provisionJetStream } from '../../scripts/nats-provision';
import { TestDatabase } from '../support/databases';
import { hubInitiativeEvent } from '../support/events';
import { SecuredNatsServer } from '../support/secured-nats';

/**
 * The platform's start-up check after a restore (JetStreamServer rewindIfBehind / onlyDuplicatesAfter, #19) under the
 * secured deployment: a private nats-server running the shipped deploy/nats/nats.conf with the project's identities.
 * The platform's identity may not create consumers, so a database behind its consumer is reported with an error log
 * for an admin. Trailing duplicates (a hub re-publishing an event the inbox holds: acked, no row of its own) are not
 * a gap and must not raise it at every start; a message the inbox lacks must; an identity that may not read the
 * stream's messages cannot tell, and says so.
 */

const EVENTS = JetStreamNames.eventsStream;
const BEHIND = /the database is behind its consumer/;

interface Logged {
  level: string;
  entry: Record<string, unknown>;
}

function recordingLogger(lines: Logged[]): CtpLogger {
  const at =
    (level: string) =>
    (entry: unknown): void => {
      lines.push({ level, entry: typeof entry === 'object' && entry ? (entry as Record<string, unknown>) : { entry } });
    };
  const log = {
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    child: () => log,
  };
  return log as unknown as CtpLogger;
}

describe('consumer rewind check under a NATS service identity (#19)', () => {
  let server: SecuredNatsServer;
  let admin: NatsConnection;
  let adminJsm: JetStreamManager;
  const db = TestDatabase.fresh('rewind_identity');
  let dataSource: DataSource;
  const connections: NatsConnection[] = [];

  /** Publishes as the hub's relay would; `msgId` other than the event id: a re-publication the broker keeps. */
  async function publish(event: ReturnType<typeof hubInitiativeEvent>, msgId = event.event.id): Promise<number> {
    const ack = await jetstream(admin).publish(event.subject, JSON.stringify(event.event), { msgID: msgId });
    return ack.seq;
  }

  /** Acknowledges, as admin, everything `durable` has pending: the broker's ack floor moves past what the DB holds. */
  async function ackAll(durable: string): Promise<number> {
    const c = await jetstream(admin).consumers.get(EVENTS, durable);
    for (;;) {
      const info = await c.info(false);
      if (info.num_pending === 0 && info.num_ack_pending === 0) return info.ack_floor.stream_seq;
      const batch = await c.fetch({ max_messages: 100, expires: 1000 });
      for await (const m of batch) await m.ackAck();
    }
  }

  /** One start of a consumer thread as `identity` (with its own connection), stopped again at once. */
  async function startAs(identity: NatsIdentity, durable: string): Promise<{ lines: Logged[]; created: string }> {
    const nc = await server.connectAs(identity, `test-${identity}-${randomUUID()}`);
    connections.push(nc);
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 3000 });
    const lines: Logged[] = [];
    const s = new JetStreamServer(
      js,
      jsm,
      new UnitOfWork(dataSource),
      new DeadLetters(js, JetStreamNames.deadLetterSubjectPrefix),
      recordingLogger(lines),
      new Metrics('test'),
      {
        ...DEFAULT_SERVER_OPTIONS,
        stream: EVENTS,
        consumers: [{ durable, filterSubject: Subjects.allHubs }],
        provisionConsumers: false,
        trackPositions: true,
      },
    );
    await new Promise<void>((resolve, reject) => s.listen((err) => (err ? reject(err) : resolve())));
    await s.close();
    await nc.close();
    const created = (await adminJsm.consumers.info(EVENTS, durable)).created;
    return { lines, created };
  }

  const behindLogs = (lines: Logged[]) =>
    lines.filter((l) => l.level === 'error' && BEHIND.test(String(l.entry.msg))).map((l) => l.entry);

  /** The inbox row the platform would have written for `e` at stream sequence `seq`. */
  async function inboxHolds(durable: string, e: ReturnType<typeof hubInitiativeEvent>, seq: number): Promise<void> {
    await db.query(
      `INSERT INTO inbox_events (consumer, source, event_id, event_type, subject, stream_seq, outcome, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'APPLIED', now())`,
      [durable, e.event.source, e.event.id, e.event.type, e.subject, seq],
    );
  }

  async function positionIs(durable: string, seq: number): Promise<void> {
    await db.query(
      `INSERT INTO consumer_positions (consumer, stream, acked_through) VALUES ($1, $2, $3)
       ON CONFLICT (consumer, stream) DO UPDATE SET acked_through = EXCLUDED.acked_through`,
      [durable, EVENTS, seq],
    );
  }

  beforeAll(async () => {
    server = await SecuredNatsServer.start();
    admin = await server.connectAs('admin');
    adminJsm = await jetstreamManager(admin, { checkAPI: false });
    await provisionJetStream(adminJsm, { replicas: 1, platformAckWaitMs: 30000 });
    dataSource = await openDataSource({
      dataSourceOptions: {
        type: 'postgres',
        url: db.url,
        migrations: [...MESSAGING_MIGRATIONS, ConsumerPositions1764330200000],
      },
    });
  }, 60_000);

  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await dataSource?.destroy().catch(() => undefined);
    await db.drop();
    await server?.stop();
  });

  it('platform: trailing duplicates after the recorded position are no gap (no error, no rewind); a message the inbox lacks is', async () => {
    const durable = DurableConsumers.platformHubs;
    // The database applied the event and recorded its position; the hub then re-published it (a new message id, so
    // the broker kept it) twice, and the platform acknowledged those as duplicates: no inbox row of their own.
    const first = hubInitiativeEvent('eur', `rw-${randomUUID()}`, 1);
    const seq = await publish(first);
    await publish(first, `${first.event.id}-again-1`);
    await publish(first, `${first.event.id}-again-2`);
    const floor = await ackAll(durable);
    expect(floor).toBe(seq + 2);
    // One of them since removed from the stream: JetStream's "no message found" is skipped, not "cannot tell".
    expect(await adminJsm.streams.deleteMessage(EVENTS, seq + 2)).toBe(true);
    await inboxHolds(durable, first, seq);
    await positionIs(durable, seq);
    const before = (await adminJsm.consumers.info(EVENTS, durable)).created;

    const clean = await startAs('platform', durable);
    expect(behindLogs(clean.lines)).toEqual([]);
    expect(clean.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(clean.created).toBe(before); // not rewound (deleted and created again)

    // Now a message the restored database lacks: a real gap, which this identity may not repair.
    await positionIs(durable, seq);
    const missing = hubInitiativeEvent('eur', `rw-${randomUUID()}`, 1);
    const missingSeq = await publish(missing);
    expect(await ackAll(durable)).toBe(missingSeq);
    const gap = await startAs('platform', durable);
    expect(behindLogs(gap.lines)).toEqual([
      expect.objectContaining({
        consumer: durable,
        stream: EVENTS,
        databaseAckedThrough: seq,
        brokerAckedThrough: missingSeq,
        replayFrom: seq + 1,
      }),
    ]);
    expect(gap.created).toBe(before);
  });

  it('an identity that may not read the stream by sequence cannot tell: the error stands (a refusal is not "deleted")', async () => {
    // partner-liaison reads ctp.hub.> but not the platform's events on CTP_EVENTS, so it has no STREAM.MSG.GET there.
    const durable = DurableConsumers.liaisonHubs;
    const first = hubInitiativeEvent('afr', `rw-${randomUUID()}`, 1);
    await ackAll(durable); // what the first test published
    const seq = await publish(first);
    await publish(first, `${first.event.id}-again`);
    expect(await ackAll(durable)).toBe(seq + 1);
    await inboxHolds(durable, first, seq);
    await positionIs(durable, seq);

    const { lines } = await startAs('partner-liaison', durable);
    expect(behindLogs(lines)).toEqual([
      expect.objectContaining({ consumer: durable, databaseAckedThrough: seq, brokerAckedThrough: seq + 1 }),
    ]);
  });
});
