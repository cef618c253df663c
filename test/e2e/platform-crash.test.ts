import { hubInitiativeEvent } from '../support/events';
import { TestDatabase } from '../support/databases';
import { TestPublisher } from '../support/jetstream';
import { TestNatsServer, freePort } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

const BURST = 2000;

/**
 * A platform process killed with SIGKILL in the middle of a burst — no shutdown hook runs, batches in flight are lost
 * mid-transaction or between commit and ack — is restarted and ends with every event applied exactly once.
 */
describe('platform killed mid-burst', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  const db = TestDatabase.fresh('crash');
  let env: Record<string, string>;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    env = {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      // Messages delivered to the killed process come back after ack_wait: keep the test short.
      CONSUMER_ACK_WAIT_MS: '3000',
      // Small batches so that the kill lands between many commits.
      CONSUMER_MAX_BATCH: '50',
    };
  });

  afterAll(async () => {
    await publisher?.close();
    await nats?.stop();
    await db.drop();
  });

  it(`applies each of ${BURST} events exactly once across a SIGKILL and a restart`, async () => {
    // 500 initiatives × 4 versions each; versions of one initiative are spread across the burst.
    const events = [];
    for (let v = 1; v <= 4; v++)
      for (let i = 0; i < BURST / 4; i++) events.push(hubInitiativeEvent('afr', `crash-${i}`, v));
    const first = new ServiceProcess('platform', env, 'platform-1');
    await first.start();
    const publishing = publisher.publishAll(events);

    const appliedBeforeKill = await waitFor(
      'part of the burst to be applied',
      async () => {
        const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM registry_versions`);
        return n >= 300 ? n : undefined;
      },
      60_000,
      5,
    );
    await first.kill('SIGKILL');
    await publishing;
    expect(appliedBeforeKill).toBeLessThan(BURST);

    const second = new ServiceProcess('platform', env, 'platform-2');
    await second.start();
    try {
      await waitFor(
        'every event to be in the inbox',
        async () => {
          const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox_events`);
          return n === BURST ? n : undefined;
        },
        90_000,
      );
      // Let any redelivery still in flight arrive: it must change nothing.
      await new Promise((r) => setTimeout(r, 4000));

      // Each event was decided once (the inbox's primary key), and each APPLIED decision wrote one history row.
      // Redelivered older versions may be IGNORED as stale: that is a decision too, and changes nothing.
      const [counts] = await db.query<{
        decided: number;
        applied: number;
        history: number;
        distinct_history: number;
        registry: number;
      }>(`
        SELECT (SELECT count(*)::int FROM inbox_events WHERE outcome IN ('APPLIED', 'IGNORED')) AS decided,
               (SELECT count(*)::int FROM inbox_events WHERE outcome = 'APPLIED') AS applied,
               (SELECT count(*)::int FROM registry_versions) AS history,
               (SELECT count(DISTINCT event_id)::int FROM registry_versions) AS distinct_history,
               (SELECT count(*)::int FROM registry_initiatives) AS registry`);
      expect(counts.decided).toBe(BURST);
      expect(counts.history).toBe(counts.applied);
      expect(counts.distinct_history).toBe(counts.history);
      expect(counts.registry).toBe(BURST / 4);
      const [{ wrong }] = await db.query<{ wrong: number }>(
        `SELECT count(*)::int AS wrong FROM registry_initiatives WHERE version <> 4`,
      );
      expect(wrong).toBe(0);
      const redelivered = second.logLines().filter((l) => l.msg === 'event handled' && Number(l.deliveryCount) > 1);
      // The killed process held unacked messages: the restart must have received some of them again.
      expect(redelivered.length).toBeGreaterThan(0);
    } finally {
      await second.stop();
    }
  });
});
