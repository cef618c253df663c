import { jetstream, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { JetStreamNames } from '@ctp/contracts';
import {
  DEFAULT_OUTBOX_RELAY_OPTIONS,
  DEFAULT_TOPOLOGY,
  ensureStreams,
  MESSAGING_MIGRATIONS,
  newEvent,
  OutboxRelay,
  OutboxWriter,
} from '@ctp/messaging';
import { createLogger, Metrics } from '@ctp/observability';
import { buildDataSourceOptions, openDataSource, UnitOfWork } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { TestDatabase } from '../support/databases';
import { TestNatsServer } from '../support/nats-server';
import { waitFor } from '../support/services';

const logger = createLogger('outbox-test', 'silent');

/** The transactional outbox against the real PostgreSQL and a private nats-server. */
describe('outbox relay', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let ds: DataSource;
  let relay: OutboxRelay;
  let writer: OutboxWriter;
  let uow: UnitOfWork;
  const metrics = new Metrics('outbox-test');
  const db = TestDatabase.fresh('outbox');

  const streamCount = async () => (await jsm.streams.info(JetStreamNames.eventsStream)).state.messages;
  const unsent = async () =>
    (await ds.query(`SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL`))[0].n as number;

  async function writeEvents(transactions: number, perTransaction: number, tag: string): Promise<string[]> {
    const ids: string[] = [];
    for (let t = 0; t < transactions; t++) {
      await uow.run(async (tx) => {
        const events = Array.from({ length: perTransaction }, (_, i) =>
          newEvent({
            source: '/ctp/hubs/eur',
            type: 'ctp.initiative.updated.v1',
            subject: 'ctp.hub.eur.initiative.updated.v1',
            about: `IP-HUB-EUR-${tag}-${t}-${i}`,
            data: { n: i },
            correlationId: `${tag}-${t}`,
          }),
        );
        ids.push(...events.map((e) => e.envelope.id));
        await writer.append(tx, events);
      });
    }
    return ids;
  }

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, DEFAULT_TOPOLOGY);
    ds = await openDataSource({
      dataSourceOptions: buildDataSourceOptions({
        databaseUrl: db.url,
        applicationName: 'outbox-test',
        migrations: MESSAGING_MIGRATIONS,
      }) as never,
    });
    uow = new UnitOfWork(ds);
    relay = new OutboxRelay(ds, jetstream(nc), logger, metrics, {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      publishTimeoutMs: 1000,
      lockName: `outbox-test-${db.name}`,
    });
    writer = new OutboxWriter(relay);
  });

  afterAll(async () => {
    await relay?.stop();
    await ds?.destroy();
    await nc?.close();
    await nats?.stop();
    await db.drop();
  });

  it('publishes committed events in commit order, with Nats-Msg-Id = event id, and marks them sent', async () => {
    relay.start();
    const ids = await writeEvents(12, 100, 'order');
    await waitFor('the outbox to drain', async () => (await unsent()) === 0);
    expect(await streamCount()).toBe(1200);
    const seen: string[] = [];
    for (let seq = 1; seq <= 1200; seq++) {
      const m = await jsm.streams.getMessage(JetStreamNames.eventsStream, { seq });
      const envelope = m!.json<{ id: string; correlationid: string }>();
      expect(m!.header.get('Nats-Msg-Id')).toBe(envelope.id);
      expect(m!.header.get('Ctp-Correlation-Id')).toBe(envelope.correlationid);
      seen.push(envelope.id);
    }
    expect(seen).toEqual(ids);
  });

  it('re-publishes rows it could not mark sent (a crash after the PubAck) without a second copy in the stream', async () => {
    await relay.stop();
    await ds.query(`UPDATE outbox_events SET sent_at = NULL WHERE id > (SELECT max(id) - 100 FROM outbox_events)`);
    expect(await unsent()).toBe(100);
    const before = (await metrics.outboxPublished.get()).values.find((v) => v.labels.duplicate === 'true')?.value ?? 0;
    const result = await relay.relayOnce();
    expect(result).toEqual({ read: 100, sent: 100, failed: 0 });
    const after = (await metrics.outboxPublished.get()).values.find((v) => v.labels.duplicate === 'true')!.value;
    expect(after - before).toBe(100);
    expect(await streamCount()).toBe(1200);
    expect(await unsent()).toBe(0);
  });

  it('replays sent rows since a point in time with their original ids', async () => {
    const { republished } = await relay.replaySince(new Date(Date.now() - 60_000));
    expect(republished).toBe(1200);
    // Inside the broker's duplicate window the copies are dropped; past it, the consumers' inboxes drop them.
    expect(await streamCount()).toBe(1200);
  });

  it('keeps events written while the broker is down and delivers them once it is back', async () => {
    relay.start();
    nats.kill('SIGKILL');
    const ids = await writeEvents(5, 10, 'outage');
    await waitFor(
      'failed publish attempts to be recorded',
      async () =>
        (await ds.query(`SELECT count(*)::int AS n FROM outbox_events WHERE attempts > 0 AND sent_at IS NULL`))[0].n >
        0,
      20_000,
    );
    expect(await unsent()).toBe(50);
    await nats.restart();
    await waitFor('the outbox to drain after the broker returned', async () => (await unsent()) === 0, 30_000);
    expect(await streamCount()).toBe(1250);
    const last = await jsm.streams.getMessage(JetStreamNames.eventsStream, { seq: 1250 });
    expect(last!.json<{ id: string }>().id).toBe(ids[ids.length - 1]);
  });

  it('lets only one relay per database publish, and a standby takes over when the active one stops', async () => {
    const standby = new OutboxRelay(ds, jetstream(nc), logger, metrics, {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      lockName: `outbox-test-${db.name}`,
    });
    standby.start();
    const [{ holders }] = await ds.query(
      `SELECT count(*)::int AS holders FROM pg_locks WHERE locktype = 'advisory' AND granted AND database =
         (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(holders).toBe(1);
    await relay.stop();
    await writeEvents(1, 10, 'failover');
    await waitFor('the standby to publish', async () => (await unsent()) === 0, 10_000);
    expect(await streamCount()).toBe(1260);
    await standby.stop();
  });
});
