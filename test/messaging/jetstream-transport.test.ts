import { Controller, INestApplication, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AuthModule, readAuthConfig } from '@ctp/auth';
import { JetStreamNames } from '@ctp/contracts';
import { bootstrapService } from '@ctp/http';
import {
  batchOf,
  DeadLetterHeaders,
  EventBatchContext,
  EventOutcome,
  MessagingModule,
  MESSAGING_MIGRATIONS,
  PermanentEventError,
  ReceivedEvent,
} from '@ctp/messaging';
import { createLogger, EnvReader, ObservabilityModule } from '@ctp/observability';
import { buildDataSourceOptions, PersistenceModule } from '@ctp/persistence';
import { randomUUID } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { authEnv } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { waitFor } from '../support/services';
import { listDeadLetters, redrive, viewOf } from '../../scripts/dlq';

type ProbeMode = 'ok' | 'permanent' | 'always-fails' | 'fails-twice';
const PROBE_TYPE = 'ctp.test.probe.v1';
const PROBE_SUBJECT = 'ctp.test.probe.v1';

class ProbeTable1764170900000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE probe_applied (id bigserial PRIMARY KEY, event_id text NOT NULL, delivery int NOT NULL)`,
    );
  }
  async down(): Promise<void> {}
}

/** A handler that misbehaves on request, applying its events in the batch's transaction. */
@Controller()
class ProbeHandler {
  /** Set by a test to play "the cause was fixed". */
  static fixed = false;

  @EventPattern(PROBE_TYPE, batchOf('probe'))
  async onProbe(
    @Payload() events: ReceivedEvent<{ mode: ProbeMode }>[],
    @Ctx() ctx: EventBatchContext,
  ): Promise<EventOutcome[]> {
    for (const e of events) {
      const mode = e.envelope.data.mode;
      if (mode === 'permanent') throw new PermanentEventError('PROBE_REFUSED', 'this probe is never acceptable');
      if (mode === 'always-fails' && !ProbeHandler.fixed) throw new Error('the database said no');
      if (mode === 'fails-twice' && e.deliveryCount <= 2)
        throw new Error(`transient failure on delivery ${e.deliveryCount}`);
    }
    await ctx.tx.manager.query(
      `INSERT INTO probe_applied (event_id, delivery) SELECT * FROM unnest($1::text[], $2::int[])`,
      [events.map((e) => e.envelope.id), events.map((e) => e.deliveryCount)],
    );
    return events.map(() => ({ outcome: 'APPLIED' }));
  }
}

function probe(mode: ProbeMode) {
  return {
    subject: PROBE_SUBJECT,
    event: {
      specversion: '1.0' as const,
      id: randomUUID(),
      source: '/ctp/test',
      type: PROBE_TYPE,
      time: new Date().toISOString(),
      datacontenttype: 'application/json' as const,
      data: { mode },
    },
  };
}

describe('JetStream transport: failure isolation, retries and dead letters', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  let app: INestApplication;
  const db = TestDatabase.fresh('transport');

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    const logger = createLogger('transport-test', 'silent');
    const env = await authEnv();
    @Module({
      imports: [
        ObservabilityModule.forRoot({ service: 'transport-test', logger }),
        // Every service verifies bearer tokens (bootstrapService guards /docs with them): the tests' issuer here.
        AuthModule.forRoot({ config: readAuthConfig(new EnvReader(env), env) }),
        PersistenceModule.forRootAsync({
          useFactory: () => ({
            dataSourceOptions: buildDataSourceOptions({
              databaseUrl: db.url,
              applicationName: 'transport-test',
              migrations: [...MESSAGING_MIGRATIONS, ProbeTable1764170900000],
            }) as never,
          }),
        }),
        MessagingModule.forRootAsync({
          useFactory: () => ({
            natsUrl: nats.url,
            connectionName: 'transport-test',
            outbox: false,
            consumers: [{ durable: 'probe', filterSubject: 'ctp.test.>' }],
            server: { maxDeliver: 3, ackWaitMs: 5000 },
          }),
        }),
      ],
      controllers: [ProbeHandler],
    })
    class ProbeModule {}
    app = await bootstrapService(ProbeModule, {
      service: 'transport-test',
      title: 'probe',
      description: 'probe',
      port: await freePort(),
      logger,
      consume: true,
    });
  });

  afterAll(async () => {
    await app?.close();
    await publisher?.close();
    await nats?.stop();
    await db.drop();
  });

  it('applies the good events of a batch once, retries the transient one, and dead-letters the bad ones', async () => {
    const batch = [
      probe('ok'),
      probe('permanent'),
      probe('ok'),
      probe('fails-twice'),
      probe('always-fails'),
      probe('ok'),
    ];
    await publisher.publishAll(batch);
    const [ok1, permanent, ok2, failsTwice, alwaysFails, ok3] = batch.map((b) => b.event.id);

    await waitFor(
      'all good events applied and two dead letters',
      async () => {
        const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM probe_applied`);
        const dl = await publisher.jsm.streams.info(JetStreamNames.deadLetterStream);
        return n === 4 && dl.state.messages === 2;
      },
      30_000,
    );
    const applied = await db.query<{ event_id: string; delivery: number }>(
      `SELECT event_id, delivery FROM probe_applied ORDER BY id`,
    );
    expect(applied.map((a) => a.event_id).sort()).toEqual([ok1, ok2, ok3, failsTwice].sort());
    expect(applied.find((a) => a.event_id === failsTwice)!.delivery).toBe(3);
    for (const id of [ok1, ok2, ok3]) expect(applied.find((a) => a.event_id === id)!.delivery).toBe(1);

    const letters = [];
    for (let seq = 1; seq <= 2; seq++) {
      const m = (await publisher.jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq }))!;
      letters.push({
        id: (m.json() as { id: string }).id,
        reason: m.header.get(DeadLetterHeaders.reason),
        deliveries: m.header.get(DeadLetterHeaders.deliveryCount),
        subject: m.header.get(DeadLetterHeaders.originalSubject),
        detail: m.header.get(DeadLetterHeaders.detail),
      });
    }
    expect(letters).toEqual(
      expect.arrayContaining([
        {
          id: permanent,
          reason: 'PROBE_REFUSED',
          deliveries: '1',
          subject: PROBE_SUBJECT,
          detail: 'this probe is never acceptable',
        },
        {
          id: alwaysFails,
          reason: 'MAX_DELIVER_EXCEEDED',
          deliveries: '3',
          subject: PROBE_SUBJECT,
          detail: 'the database said no',
        },
      ]),
    );

    // Nothing is left pending: every message was acked (applied or dead-lettered).
    const info = await publisher.jsm.consumers.info('CTP_EVENTS', 'probe');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
    // The failed attempts left nothing behind: the inbox holds exactly the applied events.
    const inbox = await db.query<{ event_id: string }>(`SELECT event_id FROM inbox_events WHERE consumer = 'probe'`);
    expect(inbox.map((r) => r.event_id).sort()).toEqual([ok1, ok2, ok3, failsTwice].sort());
  });

  it('lists dead letters with their reason and re-drives one once its cause is fixed', async () => {
    const letters = (await listDeadLetters(publisher.jsm)).map(viewOf);
    expect(letters.map((l) => l.reason).sort()).toEqual(['MAX_DELIVER_EXCEEDED', 'PROBE_REFUSED']);
    const failed = letters.find((l) => l.reason === 'MAX_DELIVER_EXCEEDED')!;
    expect(failed).toMatchObject({
      consumer: 'probe',
      originalSubject: PROBE_SUBJECT,
      deliveryCount: '3',
      eventType: PROBE_TYPE,
    });

    ProbeHandler.fixed = true;
    const done = await redrive(nats.url, [failed.seq]);
    expect(done).toHaveLength(1);
    await waitFor('the re-driven event to be applied', async () => {
      const rows = await db.query(`SELECT 1 FROM probe_applied WHERE event_id = $1`, [failed.eventId]);
      return rows.length === 1;
    });
    const remaining = (await listDeadLetters(publisher.jsm)).map(viewOf);
    expect(remaining.map((l) => l.reason)).toEqual(['PROBE_REFUSED']);
    // Re-driving it again (an operator retrying) is refused: it is no longer a dead letter; nothing is applied twice.
    await expect(redrive(nats.url, [failed.seq])).rejects.toThrow(/no dead letter/);
    const applied = await db.query(`SELECT 1 FROM probe_applied WHERE event_id = $1`, [failed.eventId]);
    expect(applied).toHaveLength(1);
  });
});
