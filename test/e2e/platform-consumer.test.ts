import { JetStreamNames } from '@ctp/contracts';
import { DeadLetterHeaders } from '@ctp/messaging';
import { hubInitiativeEvent } from '../support/events';
import { TestDatabase } from '../support/databases';
import { TestPublisher } from '../support/jetstream';
import { TestNatsServer, freePort } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

/** The real platform consumer facing what the broker really delivers: poison, redeliveries, foreign subjects. */
describe('platform consumer', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  let platform: ServiceProcess;
  const db = TestDatabase.fresh('consumer');

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    platform = new ServiceProcess('platform', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
    });
    await platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
    await publisher?.close();
    await nats?.stop();
    await db.drop();
  });

  const outcomeOf = async (eventId: string) =>
    (
      await db.query<{ outcome: string; reason: string | null }>(
        `SELECT outcome, reason FROM inbox_events WHERE event_id = $1`,
        [eventId],
      )
    )[0];

  it('dead-letters poison messages with their reason while the events around them are applied', async () => {
    const good = [1, 2, 3].map((i) => hubInitiativeEvent('mde', `poison-neighbour-${i}`, 1));
    await publisher.publishAll([good[0]]);
    await publisher.publishRaw('ctp.hub.mde.initiative.reported.v1', '{not json at all', 'poison-1');
    await publisher.publishAll([good[1]]);
    const noSource = { ...hubInitiativeEvent('mde', 'no-source', 1).event, source: undefined };
    await publisher.publishRaw('ctp.hub.mde.initiative.reported.v1', JSON.stringify(noSource), 'poison-2');
    await publisher.publishAll([good[2]]);

    for (const g of good) {
      await waitFor(`${g.event.subject} applied`, async () => (await outcomeOf(g.event.id))?.outcome === 'APPLIED');
    }
    const dlq = await waitFor('two dead letters', async () => {
      const info = await publisher.jsm.streams.info(JetStreamNames.deadLetterStream);
      return info.state.messages >= 2 ? info : undefined;
    });
    expect(dlq.state.messages).toBe(2);
    const reasons = [];
    for (let seq = 1; seq <= 2; seq++) {
      const m = await publisher.jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq });
      expect(m).not.toBeNull();
      reasons.push({
        reason: m!.header.get(DeadLetterHeaders.reason),
        subject: m!.header.get(DeadLetterHeaders.originalSubject),
        deliveries: m!.header.get(DeadLetterHeaders.deliveryCount),
        consumer: m!.header.get(DeadLetterHeaders.consumer),
        detail: m!.header.get(DeadLetterHeaders.detail),
      });
    }
    expect(reasons).toEqual([
      expect.objectContaining({
        reason: 'UNDECODABLE',
        subject: 'ctp.hub.mde.initiative.reported.v1',
        deliveries: '1',
        consumer: 'platform-hubs',
      }),
      expect.objectContaining({ reason: 'INVALID_ENVELOPE', detail: expect.stringContaining('source') }),
    ]);
    const logged = platform.logLines().filter((l) => l.msg === 'event dead-lettered');
    expect(logged.map((l) => l.reason)).toEqual(['UNDECODABLE', 'INVALID_ENVELOPE']);
  });

  it('changes nothing when an applied event is published again under a fresh Nats-Msg-Id', async () => {
    const e = hubInitiativeEvent('asi', 'redelivered', 1);
    await publisher.publishAll([e]);
    await waitFor('first delivery applied', async () => (await outcomeOf(e.event.id))?.outcome === 'APPLIED');
    // Past the broker's dedupe: a new message id, as after a relay replay outside the duplicate window.
    await publisher.publishAll([e], () => `fresh-${Date.now()}`);
    const line = await waitFor('the second copy to be handled', async () =>
      platform.logLines().find((l) => l.eventId === e.event.id && l.outcome === 'DUPLICATE_DELIVERY'),
    );
    expect(line).toMatchObject({ source: '/ctp/hubs/asi', initiativeId: e.event.subject });
    const history = await db.query(`SELECT 1 FROM registry_versions WHERE event_id = $1`, [e.event.id]);
    expect(history).toHaveLength(1);
    const [inbox] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox_events WHERE event_id = $1`, [
      e.event.id,
    ]);
    expect(inbox.n).toBe(1);
  });

  it('records stale versions and foreign-subject events as decisions, not failures', async () => {
    const v2 = hubInitiativeEvent('eur', 'ordering', 2);
    const v1 = hubInitiativeEvent('eur', 'ordering', 1);
    await publisher.publishAll([v2, v1]);
    await waitFor('v1 decided', async () => (await outcomeOf(v1.event.id))?.outcome !== undefined);
    expect(await outcomeOf(v2.event.id)).toEqual({ outcome: 'APPLIED', reason: null });
    expect(await outcomeOf(v1.event.id)).toEqual({ outcome: 'IGNORED', reason: 'STALE_VERSION' });

    // An afr event published on the eur hub's subject.
    const spoof = hubInitiativeEvent('afr', 'spoofed', 1);
    await publisher.publishAll([{ subject: 'ctp.hub.eur.initiative.reported.v1', event: spoof.event }]);
    await waitFor('spoof decided', async () => (await outcomeOf(spoof.event.id))?.outcome !== undefined);
    expect(await outcomeOf(spoof.event.id)).toEqual({ outcome: 'REJECTED', reason: 'OWNERSHIP_VIOLATION' });
    const registry = await db.query(`SELECT 1 FROM registry_initiatives WHERE initiative_id = $1`, [
      spoof.event.subject,
    ]);
    expect(registry).toHaveLength(0);
  });
});
