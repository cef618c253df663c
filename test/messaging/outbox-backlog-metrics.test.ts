import { JetStreamClient } from '@nats-io/jetstream';
import { DEFAULT_OUTBOX_RELAY_OPTIONS, MESSAGING_MIGRATIONS, OutboxRelay } from '@ctp/messaging';
import { createLogger, Metrics } from '@ctp/observability';
import { buildDataSourceOptions, openDataSource } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { TestDatabase } from '../support/databases';

/**
 * What the relay measures of its outbox for `ctp_outbox_backlog` and `ctp_outbox_oldest_unsent_age_seconds` (alerts
 * CtpOutboxNotDraining, CtpOutboxBacklogHigh, CtpOutboxOldestUnsentAge; the console's service status), against the
 * real PostgreSQL: rows sent do not count, the age is the oldest unsent row's by the database's clock. No broker: the
 * measurement only reads the table.
 */
describe('outbox backlog measurement', () => {
  let ds: DataSource;
  let relay: OutboxRelay;
  const db = TestDatabase.fresh('outboxage');
  const noBroker = {
    publish: async () => {
      throw new Error('not used');
    },
  } as unknown as JetStreamClient;

  /** An outbox row written `ageSeconds` ago, sent or not. */
  async function row(id: string, ageSeconds: number, sent: boolean): Promise<void> {
    await ds.query(
      `INSERT INTO outbox_events (event_id, subject, payload, created_at, sent_at)
       VALUES ($1, 'ctp.hub.eur.initiative.updated.v1', '{}', now() - $2 * interval '1 second',
               CASE WHEN $3 THEN now() END)`,
      [id, ageSeconds, sent],
    );
  }

  beforeAll(async () => {
    ds = await openDataSource({
      dataSourceOptions: buildDataSourceOptions({
        databaseUrl: db.url,
        applicationName: 'outbox-age-test',
        migrations: MESSAGING_MIGRATIONS,
      }) as never,
    });
    relay = new OutboxRelay(ds, noBroker, createLogger('outbox-age-test', 'silent'), new Metrics('outbox-age-test'), {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      lockName: `outbox-age-test-${db.name}`,
    });
  });

  afterAll(async () => {
    await ds?.destroy();
    await db.drop();
  });

  it('is 0 and 0 for an empty outbox', async () => {
    expect(await relay.measureBacklog()).toEqual({ backlog: 0, oldestUnsentAgeSeconds: 0 });
  });

  it('counts the unsent rows and gives the oldest unsent one’s age, whatever older rows were sent', async () => {
    await row('sent-long-ago', 3600, true);
    await row('unsent-2-min', 120, false);
    await row('unsent-30-s', 30, false);
    await row('unsent-now', 0, false);
    const m = await relay.measureBacklog();
    expect(m.backlog).toBe(3);
    // now() is the statement's start in both statements: the age is 120 s, plus the time between them.
    expect(m.oldestUnsentAgeSeconds).toBeGreaterThanOrEqual(120);
    expect(m.oldestUnsentAgeSeconds).toBeLessThan(125);
  });

  it('follows the oldest row still unsent once the older ones are sent, and is 0 when all are', async () => {
    await ds.query(`UPDATE outbox_events SET sent_at = now() WHERE event_id = 'unsent-2-min'`);
    const m = await relay.measureBacklog();
    expect(m.backlog).toBe(2);
    expect(m.oldestUnsentAgeSeconds).toBeGreaterThanOrEqual(30);
    expect(m.oldestUnsentAgeSeconds).toBeLessThan(35);

    await ds.query(`UPDATE outbox_events SET sent_at = now() WHERE sent_at IS NULL`);
    expect(await relay.measureBacklog()).toEqual({ backlog: 0, oldestUnsentAgeSeconds: 0 });
  });
});
