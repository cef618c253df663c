import { AuthModule, readAuthConfig } from '@ctp/auth';
import { authEnv } from '../support/auth';
import { randomUUID } from 'node:crypto';
import { Controller, INestApplication, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { JetStreamNames } from '@ctp/contracts';
import { bootstrapService } from '@ctp/http';
import {
  batchOf,
  EventBatchContext,
  EventOutcome,
  MessagingModule,
  MESSAGING_MIGRATIONS,
  ReceivedEvent,
} from '@ctp/messaging';
import { createLogger, EnvReader, Metrics, ObservabilityModule } from '@ctp/observability';
import { buildDataSourceOptions, PersistenceModule } from '@ctp/persistence';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { waitFor } from '../support/services';
import { sleep } from './support/load';
import { printSummary } from './support/rig';
import { ScenarioDatabase } from './support/scenario-db';

const TYPE = 'ctp.test.slow-probe.v1';
const SUBJECT = 'ctp.test.slow-probe.v1';
const DURABLE = 'slow-probe';
const ACK_WAIT_MS = 500;
const SLOW_MS = 2000;
const EVENTS = 300;
const SLOW_EVENTS = 4;

class SlowProbeTable1764171100000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS probe_applied (
      id bigserial PRIMARY KEY, event_id text NOT NULL, delivery int NOT NULL, instance text NOT NULL)`);
  }
  async down(): Promise<void> {}
}

/** Applies probes in the batch's transaction; a "slow" probe on its first delivery holds the transaction 4× ack_wait. */
@Controller()
class SlowProbeHandler {
  static instances = 0;
  private readonly instance = `i${++SlowProbeHandler.instances}`;

  @EventPattern(TYPE, batchOf('slow-probe'))
  async onProbe(
    @Payload() events: ReceivedEvent<{ slow: boolean }>[],
    @Ctx() ctx: EventBatchContext,
  ): Promise<EventOutcome[]> {
    await ctx.tx.manager.query(
      `INSERT INTO probe_applied (event_id, delivery, instance) SELECT e, d, $3 FROM unnest($1::text[], $2::int[]) AS x(e, d)`,
      [events.map((e) => e.envelope.id), events.map((e) => e.deliveryCount), this.instance],
    );
    if (events.some((e) => e.envelope.data.slow && e.deliveryCount === 1)) await sleep(SLOW_MS);
    return events.map(() => ({ outcome: 'APPLIED' }));
  }
}

/**
 * A handler slower than ack_wait: the broker redelivers the event (and the rest of its batch) while the first
 * delivery's transaction is still open, to the same instance or to a second one sharing the durable consumer. The
 * second claim waits on the inbox row's lock and then finds it taken: the effect is applied once.
 */
describe('fault slow-handler', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  const apps: INestApplication[] = [];
  const db = ScenarioDatabase.fresh('slow_handler');

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    // Every service built by bootstrapService verifies bearer tokens: the tests' issuer.
    const env = await authEnv();
    for (let i = 0; i < 2; i++) {
      const logger = createLogger(`slow-probe-${i}`, 'silent');
      @Module({
        imports: [
          ObservabilityModule.forRoot({ service: `slow-probe-${i}`, logger }),
          AuthModule.forRoot({ config: readAuthConfig(new EnvReader(env), env) }),
          PersistenceModule.forRootAsync({
            useFactory: () => ({
              dataSourceOptions: buildDataSourceOptions({
                databaseUrl: db.url,
                applicationName: `slow-probe-${i}`,
                migrations: [...MESSAGING_MIGRATIONS, SlowProbeTable1764171100000],
              }) as never,
            }),
          }),
          MessagingModule.forRootAsync({
            useFactory: () => ({
              natsUrl: nats.url,
              connectionName: `slow-probe-${i}`,
              outbox: false,
              consumers: [{ durable: DURABLE, filterSubject: 'ctp.test.>' }],
              server: { maxDeliver: 5, ackWaitMs: ACK_WAIT_MS, maxBatch: 25 },
            }),
          }),
        ],
        controllers: [SlowProbeHandler],
      })
      class SlowProbeModule {}
      // One after the other: the second finds the database, its migrations and the durable consumer in place.
      apps.push(
        await bootstrapService(SlowProbeModule, {
          service: `slow-probe-${i}`,
          title: 'slow probe',
          description: 'slow probe',
          port: await freePort(),
          logger,
          consume: true,
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    await publisher?.close();
    await nats?.stop();
    await db.drop();
  }, 60_000);

  it('applies an event once when its handler outlives ack_wait', async () => {
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      subject: SUBJECT,
      event: {
        specversion: '1.0' as const,
        id: randomUUID(),
        source: '/ctp/test/slow',
        type: TYPE,
        time: new Date().toISOString(),
        datacontenttype: 'application/json' as const,
        data: { slow: i % (EVENTS / SLOW_EVENTS) === 7 },
      },
    }));
    await publisher.publishRaw(SUBJECT, 'poison: not json', `poison-${randomUUID()}`);
    await publisher.publishRaw(SUBJECT, JSON.stringify({ specversion: '1.0' }), `poison-${randomUUID()}`);
    const started = Date.now();
    await publisher.publishAll(events);

    const caughtUp = await waitFor(
      'every probe applied and nothing pending',
      async () => {
        const [{ n }] = await db.query<{ n: number }>(`SELECT count(DISTINCT event_id)::int AS n FROM probe_applied`);
        const info = await publisher.jsm.consumers.info(JetStreamNames.eventsStream, DURABLE);
        return n === EVENTS && info.num_pending + info.num_ack_pending === 0 ? Date.now() - started : undefined;
      },
      60_000,
      100,
    );
    // Let redeliveries still on their way arrive: they must change nothing.
    await sleep(2 * ACK_WAIT_MS);

    const twice = await db.query(`SELECT event_id FROM probe_applied GROUP BY event_id HAVING count(*) > 1`);
    expect(twice).toEqual([]);
    const [{ applied }] = await db.query<{ applied: number }>(`SELECT count(*)::int AS applied FROM probe_applied`);
    expect(applied).toBe(EVENTS);
    const inbox = await db.query<{ outcome: string; n: number }>(
      `SELECT outcome, count(*)::int AS n FROM inbox_events WHERE consumer = $1 GROUP BY 1`,
      [DURABLE],
    );
    expect(inbox).toEqual([{ outcome: 'APPLIED', n: EVENTS }]);

    let redelivered = 0;
    let duplicates = 0;
    let deadLettered = 0;
    for (const app of apps) {
      const m = app.get(Metrics);
      redelivered += (await m.redeliveries.get()).values.reduce((a, v) => a + v.value, 0);
      duplicates += (await m.eventsHandled.get()).values
        .filter((v) => v.labels.outcome === 'DUPLICATE_DELIVERY')
        .reduce((a, v) => a + v.value, 0);
      deadLettered += (await m.deadLetters.get()).values.reduce((a, v) => a + v.value, 0);
    }
    // The slow transactions outlived ack_wait: their events came back while they ran, and were recognised.
    expect(redelivered).toBeGreaterThan(0);
    expect(duplicates).toBeGreaterThan(0);
    // The two poison messages are dead-lettered. On a loaded host a dead-lettering can outlast this test's 500 ms
    // ack_wait, and the poison comes back and is dead-lettered again (the metric counts each time): the dead-letter
    // stream's Nats-Msg-Id dedupe keeps one copy of each, which is what an operator reads.
    expect(deadLettered).toBeGreaterThanOrEqual(2);
    const dlq = await publisher.jsm.streams.info(JetStreamNames.deadLetterStream);
    expect(dlq.state.messages).toBe(2);
    printSummary('slow-handler', { sent: EVENTS, applied, redelivered, deadLettered, caughtUpMs: caughtUp });
  }, 120_000);
});
