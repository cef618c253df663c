import { InitiativeEventType } from '@ctp/contracts';
import { as } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { eventFor, snapshotOf } from '../support/events';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

/**
 * A scenario of hub and partner events replayed onto the subjects of docs/contract.md: every event gets the outcome
 * docs/domain.md prescribes, readable at GET /events/:source/:id, and a rejected event never holds back those behind it.
 */
describe('platform consumer rules, end to end', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  let platform: ServiceProcess;
  const db = TestDatabase.fresh('rules');

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

  const outcome = async (source: string, id: string) => {
    const res = await fetch(`${platform.baseUrl}/events/${encodeURIComponent(source)}/${id}`, {
      headers: await as.analyst(),
    });
    return res.status === 200
      ? ((await res.json()) as { outcome: string | null; reason: string | null; detail: string | null })
      : undefined;
  };

  it('gives each event the outcome docs/domain.md prescribes', async () => {
    const now = new Date().toISOString();
    const afr = (localId: string, o = {}) => snapshotOf('IP-HUB-AFR', localId, { lastUpdatedAt: now, ...o });
    const a1 = eventFor(afr('a'));
    const a3 = eventFor(afr('a', { version: 3, status: 'CANCELLED' }));
    const a2 = eventFor(afr('a', { version: 2, description: 'late' }));
    const spoofed = eventFor(afr('spoof'));
    spoofed.event.source = '/ctp/hubs/eur';
    const partnerOnHubSubject = eventFor(snapshotOf('PT-UNODC', 'p1', { lastUpdatedAt: now }));
    partnerOnHubSubject.subject = 'ctp.hub.afr.initiative.reported.v1';
    const partnerOk = eventFor(snapshotOf('PT-UNODC', 'p2', { lastUpdatedAt: now, recipientCountries: ['NG', 'GH'] }));
    const reversed = eventFor(afr('b', { dates: { plannedStart: '2027-06-05', plannedEnd: '2027-06-01' } }));
    const future = eventFor(
      afr('c', {
        status: 'IMPLEMENTATION',
        dates: { plannedStart: '2027-06-01', plannedEnd: '2027-06-05', actualStart: '2030-01-01' },
      }),
    );
    const d1 = eventFor(afr('d'));
    const d2closed = eventFor(
      afr('d', {
        version: 2,
        status: 'CLOSED',
        dates: {
          plannedStart: '2025-06-01',
          plannedEnd: '2025-06-05',
          actualStart: '2025-06-01',
          actualEnd: '2025-06-05',
        },
      }),
    );
    const e1 = eventFor(afr('e'));
    const e2withdrawn = eventFor(
      afr('e', { version: 2, withdrawal: { reason: 'reported in error', withdrawnAt: now } }),
      InitiativeEventType.Withdrawn,
    );
    const e3 = eventFor(afr('e', { version: 3 }));
    const schema = eventFor(afr('f', { kind: 'PARTY' as never }));
    const after = eventFor(afr('g'));

    const expected: [typeof a1, string, string | null][] = [
      [a1, 'APPLIED', null],
      [a3, 'APPLIED', null],
      [a2, 'IGNORED', 'STALE_VERSION'],
      [spoofed, 'REJECTED', 'OWNERSHIP_VIOLATION'],
      [partnerOnHubSubject, 'REJECTED', 'OWNERSHIP_VIOLATION'],
      [partnerOk, 'APPLIED', null],
      [reversed, 'REJECTED', 'INVALID_DATES'],
      [future, 'REJECTED', 'ACTUAL_DATE_IN_FUTURE'],
      [d1, 'APPLIED', null],
      [d2closed, 'REJECTED', 'INVALID_TRANSITION'],
      [e1, 'APPLIED', null],
      [e2withdrawn, 'APPLIED', null],
      [e3, 'REJECTED', 'WITHDRAWN'],
      [schema, 'REJECTED', 'SCHEMA'],
      [after, 'APPLIED', null],
    ];
    // One at a time, in this order: the order is part of the scenario (late versions, withdrawn then changed).
    for (const [e] of expected) {
      await publisher.publishAll([e]);
      await waitFor(`${e.event.subject} decided`, async () => (await outcome(e.event.source, e.event.id))?.outcome);
    }
    for (const [e, o, reason] of expected) {
      const got = await outcome(e.event.source, e.event.id);
      expect({ id: e.event.subject, outcome: got?.outcome, reason: got?.reason }).toEqual({
        id: e.event.subject,
        outcome: o,
        reason,
      });
      if (o === 'REJECTED') expect(got?.detail?.length).toBeGreaterThan(5);
    }

    // The same event again, past the broker's dedupe: logged as a duplicate delivery, nothing changes.
    await publisher.publishAll([a1], () => `again-${a1.event.id}`);
    await waitFor('the duplicate delivery', async () =>
      platform.logLines().find((l) => l.eventId === a1.event.id && l.outcome === 'DUPLICATE_DELIVERY'),
    );
    const read = async (path: string) => fetch(`${platform.baseUrl}${path}`, { headers: await as.analyst() });
    const a = (await (await read('/initiatives/IP-HUB-AFR-a')).json()) as {
      version: number;
      versions: unknown[];
    };
    expect(a.version).toBe(3);
    expect(a.versions).toHaveLength(2);
    const e = (await (await read('/initiatives/IP-HUB-AFR-e')).json()) as {
      withdrawn: boolean;
      version: number;
    };
    expect(e).toMatchObject({ withdrawn: true, version: 2 });
    expect((await read(`/events/${encodeURIComponent('/ctp/hubs/afr')}/no-such-event`)).status).toBe(404);

    // The partner record counts under the region holding most of its countries.
    const p = (await (await read('/initiatives/PT-UNODC-p2')).json()) as { region: string };
    expect(p.region).toBe('AFR');

    // Outcomes are counted in metrics.
    const metricsRes = await fetch(`${platform.baseUrl}/metrics`, { headers: await as.operator() });
    expect(metricsRes.status).toBe(200);
    const metrics = await metricsRes.text();
    expect(metrics).toMatch(/ctp_events_handled_total\{[^}]*outcome="REJECTED"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ctp_events_handled_total\{[^}]*outcome="DUPLICATE_DELIVERY"[^}]*\} 1/);
  });
});
