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

/**
 * #13: an event PostgreSQL refuses for its values (a year-0000 date, a NUL in a text) failed five times and was
 * dead-lettered as "Internal server error". The handler here sends those values to the real PostgreSQL, in the batch's
 * transaction, as the platform's registry write would: the transport must dead-letter them on their first delivery,
 * with the SQLSTATE and the database's words, and still retry what a retry can fix (a unique violation).
 */
type Mode = 'ok' | 'year-0000' | 'nul' | 'unique-violation';
const TYPE = 'ctp.test.pgprobe.v1';
const SUBJECT = 'ctp.test.pgprobe.v1';

class PgProbeTables1764170900001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE pg_probe (event_id text PRIMARY KEY, on_date date, note text)`);
    await q.query(`INSERT INTO pg_probe (event_id) VALUES ('taken')`);
  }
  async down(): Promise<void> {}
}

@Controller()
class PgProbeHandler {
  /** Deliveries each event reached the handler with. */
  static attempts = new Map<string, number[]>();

  @EventPattern(TYPE, batchOf('pg-probe'))
  async onProbe(
    @Payload() events: ReceivedEvent<{ mode: Mode }>[],
    @Ctx() ctx: EventBatchContext,
  ): Promise<EventOutcome[]> {
    for (const e of events) {
      const seen = PgProbeHandler.attempts.get(e.envelope.id) ?? [];
      PgProbeHandler.attempts.set(e.envelope.id, [...seen, e.deliveryCount]);
      const mode = e.envelope.data.mode;
      const [id, date, note] =
        mode === 'year-0000'
          ? [e.envelope.id, '0000-01-01', 'x']
          : mode === 'nul'
            ? [e.envelope.id, '2027-01-01', 'before\u0000after']
            : mode === 'unique-violation'
              ? ['taken', '2027-01-01', 'x']
              : [e.envelope.id, '2027-01-01', 'x'];
      await ctx.tx.manager.query(`INSERT INTO pg_probe (event_id, on_date, note) VALUES ($1, $2::date, $3)`, [
        id,
        date,
        note,
      ]);
    }
    return events.map(() => ({ outcome: 'APPLIED' }));
  }
}

function probe(mode: Mode) {
  return {
    subject: SUBJECT,
    event: {
      specversion: '1.0' as const,
      id: randomUUID(),
      source: '/ctp/test',
      type: TYPE,
      time: new Date().toISOString(),
      datacontenttype: 'application/json' as const,
      data: { mode },
    },
  };
}

describe('JetStream transport: what PostgreSQL refuses for its values is dead-lettered on the first delivery', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  let app: INestApplication;
  const db = TestDatabase.fresh('pgprobe');

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    const logger = createLogger('pgprobe-test', 'silent');
    const env = await authEnv();
    @Module({
      imports: [
        ObservabilityModule.forRoot({ service: 'pgprobe-test', logger }),
        AuthModule.forRoot({ config: readAuthConfig(new EnvReader(env), env) }),
        PersistenceModule.forRootAsync({
          useFactory: () => ({
            dataSourceOptions: buildDataSourceOptions({
              databaseUrl: db.url,
              applicationName: 'pgprobe-test',
              migrations: [...MESSAGING_MIGRATIONS, PgProbeTables1764170900001],
            }) as never,
          }),
        }),
        MessagingModule.forRootAsync({
          useFactory: () => ({
            natsUrl: nats.url,
            connectionName: 'pgprobe-test',
            outbox: false,
            consumers: [{ durable: 'pgprobe', filterSubject: 'ctp.test.>' }],
            server: { maxDeliver: 3, ackWaitMs: 5000 },
          }),
        }),
      ],
      controllers: [PgProbeHandler],
    })
    class PgProbeModule {}
    app = await bootstrapService(PgProbeModule, {
      service: 'pgprobe-test',
      title: 'pgprobe',
      description: 'pgprobe',
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

  it('dead-letters a year-0000 date and a NUL after exactly one delivery, and retries a unique violation', async () => {
    const batch = [probe('ok'), probe('year-0000'), probe('nul'), probe('unique-violation'), probe('ok')];
    await publisher.publishAll(batch);
    const [ok1, year0000, nul, unique, ok2] = batch.map((b) => b.event.id);

    await waitFor(
      'the good events applied and three dead letters',
      async () => {
        const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_probe WHERE event_id <> 'taken'`);
        const dl = await publisher.jsm.streams.info(JetStreamNames.deadLetterStream);
        return rows[0].n === 2 && dl.state.messages === 3;
      },
      30_000,
    );
    const applied = await db.query<{ event_id: string }>(`SELECT event_id FROM pg_probe WHERE event_id <> 'taken'`);
    expect(applied.map((r) => r.event_id).sort()).toEqual([ok1, ok2].sort());

    const letters = new Map<string, { reason?: string; deliveries?: string; detail?: string }>();
    for (let seq = 1; seq <= 3; seq++) {
      const m = (await publisher.jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq }))!;
      letters.set((m.json() as { id: string }).id, {
        reason: m.header.get(DeadLetterHeaders.reason),
        deliveries: m.header.get(DeadLetterHeaders.deliveryCount),
        detail: m.header.get(DeadLetterHeaders.detail),
      });
    }
    expect(letters.get(year0000)).toEqual({
      reason: 'SQLSTATE_22008',
      deliveries: '1',
      detail: expect.stringMatching(/^SQLSTATE 22008 \(data exception\): date\/time field value out of range/),
    });
    expect(letters.get(nul)).toEqual({
      reason: 'SQLSTATE_22021',
      deliveries: '1',
      detail: expect.stringMatching(
        /^SQLSTATE 22021 \(data exception\): invalid byte sequence for encoding "UTF8": 0x00/,
      ),
    });
    // A unique violation may be a race: it is retried, and dead-lettered only past maxDeliver (3 here).
    expect(letters.get(unique)).toEqual({
      reason: 'MAX_DELIVER_EXCEEDED',
      deliveries: '3',
      detail: expect.stringContaining('duplicate key value violates unique constraint'),
    });
    // The refused ones reached the handler on their first delivery only (in the batch, then alone to isolate them).
    expect(new Set(PgProbeHandler.attempts.get(year0000))).toEqual(new Set([1]));
    expect(new Set(PgProbeHandler.attempts.get(nul))).toEqual(new Set([1]));
    expect(Math.max(...PgProbeHandler.attempts.get(unique)!)).toBe(3);

    const info = await publisher.jsm.consumers.info('CTP_EVENTS', 'pgprobe');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
    const inbox = await db.query<{ event_id: string }>(`SELECT event_id FROM inbox_events WHERE consumer = 'pgprobe'`);
    expect(inbox.map((r) => r.event_id).sort()).toEqual([ok1, ok2].sort());

    // Each dead letter is recorded where an event's fate is looked up (#18): by its source and id, with its reason and
    // the sequence of its copy in the dead-letter stream.
    const recorded = await db.query<{ source: string; event_id: string; reason: string; dlq_seq: string }>(
      `SELECT source, event_id, reason, dlq_seq FROM inbox_dead_letters WHERE consumer = 'pgprobe'`,
    );
    expect(Object.fromEntries(recorded.map((r) => [r.event_id, [r.source, r.reason]]))).toEqual({
      [year0000]: ['/ctp/test', 'SQLSTATE_22008'],
      [nul]: ['/ctp/test', 'SQLSTATE_22021'],
      [unique]: ['/ctp/test', 'MAX_DELIVER_EXCEEDED'],
    });
    for (const r of recorded) {
      const copy = await publisher.jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq: Number(r.dlq_seq) });
      expect((copy!.json() as { id: string }).id).toBe(r.event_id);
    }
  });
});
