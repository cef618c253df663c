import { InitiativeEventType, InitiativeSnapshot, InitiativeWithdrawal } from '@ctp/contracts';
import { as } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { eventFor, snapshotOf } from '../support/events';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';
import {
  addPartner,
  FeedItem,
  getJson,
  outcomeOf,
  overlapEvent,
  readAudit,
  readWholeFeed,
  waitForFeedItem,
} from './outbound-support';

const AFR = 'IP-HUB-AFR';
const EUR = 'IP-HUB-EUR';
const ASI = 'IP-HUB-ASI';
const SECRET_TITLE = 'Opération Sirocco: source humaine à Bamako';
const SECRET_UPDATE_TITLE = 'Surveillance ciblée des financements du réseau';

const v = (ref: string, localId: string, version: number, overrides: Partial<InitiativeSnapshot> = {}) =>
  snapshotOf(ref, localId, { version, title: { lang: 'en', text: `Course ${localId} v${version}` }, ...overrides });

/**
 * The pull side of the outbound feature against a real partner-liaison process: hub events published straight onto
 * `ctp.hub.<region>…`, overlap events onto `ctp.platform.overlap.…`, partners registered through `POST /partners`.
 */
describe('partner-liaison outbound: feeds, retractions, notices, audit', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  let liaison: ServiceProcess;
  const db = TestDatabase.fresh('liaison_feed');

  const publish = (...items: { subject: string; event: { id: string } }[]) => publisher.publishAll(items as never);

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    liaison = new ServiceProcess('partner-liaison', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      FEED_RECONCILE_INTERVAL_MS: '300',
      NOTICE_WAIT_MS: '60000',
    });
    await liaison.start();
    await addPartner(liaison, db, { ref: 'PT-UNODC', regions: ['AFR'] });
    await addPartner(liaison, db, { ref: 'PT-EUROPOL', regions: ['EUR'] });
    await addPartner(liaison, db, { ref: 'PT-UNOCT', regions: ['GLB'] });
  });

  afterAll(async () => {
    await liaison?.stop();
    await publisher?.close();
    await nats?.stop();
    await db.drop();
  });

  /** The hub consumer applies events in order: once `barrier` is in a feed, everything published before it was applied. */
  async function barrier(ref: string, localId: string, partner: string): Promise<void> {
    await publish(eventFor(v(ref, localId, 1)));
    await waitForFeedItem(liaison, partner, localId, (i) => i.initiativeId === `${ref}-${localId}`);
  }

  it('shares a shareable record with the partners whose regions cover it (GLB covers all), and no one else', async () => {
    await publish(eventFor(v(AFR, 'shared', 1)));
    const item = await waitForFeedItem(
      liaison,
      'PT-UNODC',
      'the AFR record',
      (i) => i.initiativeId === `${AFR}-shared`,
    );
    expect(item).toMatchObject({ kind: 'INITIATIVE', version: 1 });
    expect(item.payload).toMatchObject({ initiativeId: `${AFR}-shared`, visibility: 'PARTNER_SHAREABLE' });
    expect((item.payload.title as { text: string }).text).toBe('Course shared v1');
    await waitForFeedItem(liaison, 'PT-UNOCT', 'the AFR record', (i) => i.initiativeId === `${AFR}-shared`);

    await barrier(EUR, 'barrier-1', 'PT-EUROPOL');
    const europol = await readWholeFeed(liaison, 'PT-EUROPOL');
    expect(europol.items.map((i) => i.initiativeId)).toEqual([`${EUR}-barrier-1`]);
  });

  it('never lets restricted content into any feed; a record made restricted is retracted, and no longer served', async () => {
    const restricted = v(AFR, 'restricted', 1, {
      visibility: 'INTERPOL_RESTRICTED',
      title: { lang: 'fr', text: SECRET_TITLE },
    });
    await publish(eventFor(restricted));
    await publish(eventFor(v(AFR, 'turned', 1)));
    await waitForFeedItem(liaison, 'PT-UNODC', 'turned v1', (i) => i.initiativeId === `${AFR}-turned`);
    await publish(
      eventFor(
        v(AFR, 'turned', 2, { visibility: 'INTERPOL_RESTRICTED', title: { lang: 'fr', text: SECRET_UPDATE_TITLE } }),
      ),
    );
    // Withdrawn while restricted, never received: nothing. Withdrawn while shared: retracted.
    await publish(
      eventFor(v(AFR, 'restricted', 2, { visibility: 'INTERPOL_RESTRICTED' }), InitiativeEventType.Withdrawn),
    );
    await publish(eventFor(v(AFR, 'mistake', 1)));
    await waitForFeedItem(liaison, 'PT-UNODC', 'mistake v1', (i) => i.initiativeId === `${AFR}-mistake`);
    await publish(
      eventFor(
        v(AFR, 'mistake', 2, { withdrawal: { reason: 'reported twice', withdrawnAt: new Date().toISOString() } }),
        InitiativeEventType.Withdrawn,
      ),
    );

    const retraction = await waitForFeedItem(
      liaison,
      'PT-UNODC',
      'the retraction of turned',
      (i) => i.initiativeId === `${AFR}-turned` && i.kind === 'RETRACTION',
    );
    expect(retraction).toMatchObject({ version: 2, payload: { reason: 'RESTRICTED' } });
    expect(Object.keys(retraction.payload)).toEqual(['reason']);
    const withdrawn = await waitForFeedItem(
      liaison,
      'PT-UNODC',
      'the retraction of mistake',
      (i) => i.initiativeId === `${AFR}-mistake` && i.kind === 'RETRACTION',
    );
    expect(withdrawn).toMatchObject({ version: 2, payload: { reason: 'WITHDRAWN' } });
    await barrier(AFR, 'barrier-2', 'PT-UNODC');

    for (const partner of ['PT-UNODC', 'PT-UNOCT', 'PT-EUROPOL']) {
      const feed = await readWholeFeed(liaison, partner);
      expect(feed.raw).not.toContain(`${AFR}-restricted`);
      expect(feed.raw).not.toContain(SECRET_TITLE);
      expect(feed.raw).not.toContain(SECRET_UPDATE_TITLE);
      expect(feed.raw).not.toContain('Sirocco');
      // Its version 1 was written to the feed while it was shareable; now that it is restricted, the feed's history no
      // longer serves it (its seq is skipped): only the retraction is.
      expect(feed.raw).not.toContain('Course turned v1');
      const turned = feed.items.filter((i) => i.initiativeId === `${AFR}-turned`);
      if (partner !== 'PT-EUROPOL') {
        expect(turned.map((i) => [i.kind, i.version])).toEqual([['RETRACTION', 2]]);
        const written = await db.query<{ kind: string; version: number }>(
          `SELECT kind, version FROM partner_feed WHERE partner_ref = $1 AND initiative_id = $2 ORDER BY seq`,
          [partner, `${AFR}-turned`],
        );
        expect(written.map((r) => [r.kind, r.version])).toEqual([
          ['INITIATIVE', 1],
          ['RETRACTION', 2],
        ]);
      } else expect(turned).toEqual([]);
    }
    // Not in the database either: partner-liaison keeps no restricted content at all.
    const stored = await db.query<{ dump: string }>(
      `SELECT coalesce(string_agg(snapshot::text, ' '), '') AS dump FROM liaison_records`,
    );
    expect(stored[0].dump).not.toContain('Sirocco');
    expect(stored[0].dump).not.toContain(SECRET_UPDATE_TITLE);
    const audit = JSON.stringify(await readAudit(liaison, '/audit'));
    expect(audit).not.toContain(SECRET_TITLE);
    expect(audit).not.toContain(`${AFR}-restricted`);
  });

  it('ignores older versions and rejects events a hub does not own, without stopping', async () => {
    await publish(eventFor(v(AFR, 'versions', 3)));
    await waitForFeedItem(liaison, 'PT-UNODC', 'versions v3', (i) => i.initiativeId === `${AFR}-versions`);
    const stale = eventFor(v(AFR, 'versions', 2, { title: { lang: 'en', text: 'stale title' } }));
    const foreign = eventFor(v(EUR, 'foreign', 1));
    foreign.subject = 'ctp.hub.afr.initiative.reported.v1';
    foreign.event.source = '/ctp/hubs/afr';
    const partnerOnHubSubject = eventFor(v('PT-UNODC', 'sneaky', 1));
    partnerOnHubSubject.subject = 'ctp.hub.afr.initiative.reported.v1';
    const invalid = eventFor(v(AFR, 'invalid', 1, { dates: { plannedStart: '2027-06-05', plannedEnd: '2027-06-01' } }));
    const odd = eventFor(v(AFR, 'odd', 1));
    (odd.event as { data: unknown }).data = { hello: 'world' };
    await publish(stale, foreign, partnerOnHubSubject, invalid, odd);
    await barrier(AFR, 'barrier-3', 'PT-UNODC');

    expect(await outcomeOf(db, 'liaison-hubs', stale.event.id)).toEqual({
      outcome: 'IGNORED',
      reason: 'STALE_VERSION',
    });
    expect(await outcomeOf(db, 'liaison-hubs', foreign.event.id)).toEqual({
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
    });
    expect(await outcomeOf(db, 'liaison-hubs', partnerOnHubSubject.event.id)).toEqual({
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
    });
    expect(await outcomeOf(db, 'liaison-hubs', invalid.event.id)).toEqual({
      outcome: 'REJECTED',
      reason: 'INVALID_DATES',
    });
    expect(await outcomeOf(db, 'liaison-hubs', odd.event.id)).toEqual({
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
    });
    const feed = await readWholeFeed(liaison, 'PT-UNODC');
    expect(feed.items.filter((i) => i.initiativeId === `${AFR}-versions`).map((i) => i.version)).toEqual([3]);
    expect(feed.raw).not.toContain('stale title');
    expect(feed.raw).not.toContain(`${EUR}-foreign`);
    expect(feed.raw).not.toContain('sneaky');
    expect(feed.raw).not.toContain(`${AFR}-invalid`);
  });

  it('serves the feed page by page with the cursor, in seq order, skipping only entries of records made restricted since, and audits every page', async () => {
    const before = await readAudit(liaison, '/partners/PT-UNODC/audit');
    const lastBefore = before[before.length - 1]?.id;
    const whole = await readWholeFeed(liaison, 'PT-UNODC');
    // Written 1, 2, 3… without gaps; served the same, but for the entries whose record has since become restricted.
    const written = await db.query<{ seq: number; kind: string; initiative_id: string }>(
      `SELECT seq::int AS seq, kind, initiative_id FROM partner_feed WHERE partner_ref = 'PT-UNODC' ORDER BY seq`,
    );
    expect(written.length).toBeGreaterThanOrEqual(8);
    expect(written.map((r) => r.seq)).toEqual(written.map((_, n) => n + 1));
    const withheld = written.filter((r) => r.kind === 'INITIATIVE' && r.initiative_id === `${AFR}-turned`);
    expect(withheld).toHaveLength(1);
    expect(whole.items.map((i) => i.seq)).toEqual(written.filter((r) => !withheld.includes(r)).map((r) => r.seq));

    const paged: FeedItem[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await getJson<{ items: FeedItem[]; nextCursor: string }>(
        liaison,
        `/partners/PT-UNODC/feed?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      pages++;
      if (page.body.items.length === 0) {
        expect(page.body.nextCursor).toBe(cursor);
        break;
      }
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.body.items);
      cursor = page.body.nextCursor;
      expect(cursor).toBe(String(page.body.items[page.body.items.length - 1].seq));
    }
    expect(paged).toEqual(whole.items);
    for (const item of paged)
      expect(Object.keys(item)).toEqual(['seq', 'kind', 'initiativeId', 'version', 'payload', 'createdAt']);

    const served = await readAudit(liaison, '/partners/PT-UNODC/audit', lastBefore);
    expect(served).toHaveLength(pages + 1); // the whole read above, then each page
    expect(served.every((l) => l.channel === 'FEED' && l.action === 'FEED_PAGE')).toBe(true);
    expect(served.slice(1).flatMap((l) => l.entries.map((e) => e.seq))).toEqual(paged.map((i) => i.seq));

    const byInitiative = await getJson<{ items: { entries: { initiativeId: string }[] }[] }>(
      liaison,
      `/audit?partner=PT-UNODC&initiativeId=${AFR}-turned`,
    );
    expect(byInitiative.body.items.length).toBeGreaterThan(0);
    for (const line of byInitiative.body.items) {
      expect(line.entries.map((e) => e.initiativeId)).toContain(`${AFR}-turned`);
    }
  });

  it('answers 404 for an unknown partner and 400 for a cursor it never gave out', async () => {
    for (const path of ['/partners/PT-NOBODY/feed', '/partners/PT-NOBODY/audit', '/partners/PT-NOBODY/deliveries']) {
      const res = await getJson<{ statusCode: number }>(liaison, path);
      expect([path, res.status, res.body.statusCode]).toEqual([path, 404, 404]);
    }
    const bad = await getJson<{ details: { field: string }[] }>(liaison, '/partners/PT-UNODC/feed?cursor=abc&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d) => d.field).sort()).toEqual(['cursor', 'limit']);
  });

  /** A partner's own record, reported through the inbound side's REST API. */
  async function reportPartnerRecord(partnerRef: string, localId: string, title: string, visibility: string) {
    const res = await fetch(`${liaison.baseUrl}/partners/${partnerRef}/initiatives`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await as.partner(partnerRef)) },
      body: JSON.stringify({
        localId,
        kind: 'TRN',
        title: { lang: 'en', text: title },
        actionStreams: { primary: 'IDENTIFICATION', secondary: [] },
        status: 'PIPELINE',
        dates: { plannedStart: '2027-06-01', plannedEnd: '2027-06-03' },
        scope: 'NATIONAL',
        recipientCountries: ['KE'],
        visibility,
      }),
    });
    expect([res.status, await res.text()]).toEqual([201, expect.any(String)]);
  }

  it('tells a partner about pairs involving its own records, and nothing of a pair whose other record it may not see', async () => {
    const own = 'PT-UNODC-course-2027';
    await reportPartnerRecord('PT-UNODC', 'course-2027', 'Regional workshop on border screening', 'PARTNER_SHAREABLE');
    await reportPartnerRecord('PT-EUROPOL', 'op-x', 'Joint action day on travel documents', 'PARTNER_SHAREABLE');
    await reportPartnerRecord('PT-EUROPOL', 'op-secret', 'Europol internal coordination', 'INTERPOL_RESTRICTED');
    const ownView = {
      initiativeId: own,
      reporter: 'PT-UNODC',
      title: { lang: 'en', text: 'Regional workshop on border screening' },
    };
    const withRestrictedHubRecord = overlapEvent('flagged', '102', [own, `${AFR}-restricted`], 'OVERLAP', 0.66);
    const withRestrictedPartnerRecord = overlapEvent('flagged', '105', [own, 'PT-EUROPOL-op-secret'], 'OVERLAP', 0.61);
    const withUnknownPartnerRecord = overlapEvent('flagged', '106', [own, 'PT-UNOCT-never-reported'], 'OVERLAP', 0.6);
    await publish(
      overlapEvent('flagged', '101', [`${AFR}-shared`, own], 'DUPLICATE', 0.91),
      withRestrictedHubRecord,
      overlapEvent('flagged', '103', [`${AFR}-shared`, `${EUR}-barrier-1`], 'OVERLAP', 0.7),
      overlapEvent('flagged', '104', ['PT-EUROPOL-op-x', own], 'OVERLAP', 0.62),
      withRestrictedPartnerRecord,
      withUnknownPartnerRecord,
      overlapEvent('cleared', '101', [`${AFR}-shared`, own], 'DUPLICATE', 0),
    );
    const cleared = await waitForFeedItem(
      liaison,
      'PT-UNODC',
      'the cleared notice',
      (i) => i.kind === 'NOTICE' && (i.payload as { classification: string }).classification === 'CLEARED',
    );
    // Pairs 102 (a restricted hub record), 105 (another partner's restricted record) and 106 (a record unknown here)
    // give UNODC no notice at all, not even one without the other side: it never learns that such a record exists.
    const notices = (await readWholeFeed(liaison, 'PT-UNODC')).items.filter((i) => i.kind === 'NOTICE');
    expect(notices.map((n) => n.payload)).toEqual([
      {
        pairId: '101',
        classification: 'DUPLICATE',
        score: 0.91,
        initiativeId: own,
        other: { initiativeId: `${AFR}-shared`, reporter: AFR, title: { lang: 'en', text: 'Course shared v1' } },
      },
      {
        pairId: '104',
        classification: 'OVERLAP',
        score: 0.62,
        initiativeId: own,
        other: {
          initiativeId: 'PT-EUROPOL-op-x',
          reporter: 'PT-EUROPOL',
          title: { lang: 'en', text: 'Joint action day on travel documents' },
        },
      },
      { pairId: '101', classification: 'CLEARED', score: 0, initiativeId: own, other: expect.any(Object) },
    ]);
    expect(cleared).toMatchObject({ initiativeId: own, version: null });
    // The events are still applied (EUROPOL gets its notice of pair 105: the record on the other side is UNODC's,
    // which it may see); nothing about them waits for later.
    for (const e of [withRestrictedHubRecord, withRestrictedPartnerRecord, withUnknownPartnerRecord]) {
      expect(await outcomeOf(db, 'liaison-overlaps', e.event.id)).toEqual({ outcome: 'APPLIED', reason: null });
    }
    const waiting = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pending_notices WHERE pair_id IN ('102', '105', '106')`,
    );
    expect(waiting[0].n).toBe(0);
    const written = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM partner_feed WHERE partner_ref = 'PT-UNODC' AND payload ->> 'pairId' IN ('102', '105', '106')`,
    );
    expect(written[0].n).toBe(0);
    const europol = await waitFor('both of EUROPOL’s notices', async () => {
      const items = (await readWholeFeed(liaison, 'PT-EUROPOL')).items.filter((i) => i.kind === 'NOTICE');
      return items.length === 2 ? items : undefined;
    });
    expect(europol.map((n) => n.payload)).toEqual([
      { pairId: '104', classification: 'OVERLAP', score: 0.62, initiativeId: 'PT-EUROPOL-op-x', other: ownView },
      { pairId: '105', classification: 'OVERLAP', score: 0.61, initiativeId: 'PT-EUROPOL-op-secret', other: ownView },
    ]);
    const raw = (await readWholeFeed(liaison, 'PT-UNODC')).raw;
    expect(raw).not.toContain(`${AFR}-restricted`);
    expect(raw).not.toContain(SECRET_TITLE);
    expect(raw).not.toContain('op-secret');
    expect(raw).not.toContain('Europol internal');
    expect(raw).not.toContain('never-reported');
    expect(raw).not.toContain('"restricted"');
    const pairOfHubs = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM partner_feed WHERE payload ->> 'pairId' = '103'`,
    );
    expect(pairOfHubs[0].n).toBe(0);
  });

  it('holds a notice until the other INTERPOL record arrives, then describes it as it really is', async () => {
    const own = 'PT-UNODC-late-pair';
    await publish(
      overlapEvent('flagged', '201', [`${ASI}-late`, own], 'OVERLAP', 0.7),
      overlapEvent('cleared', '201', [`${ASI}-late`, own], 'OVERLAP', 0),
    );
    await waitFor('the notices to wait', async () => {
      const rows = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pending_notices WHERE pair_id = '201'`,
      );
      return rows[0].n === 2 || undefined;
    });
    expect((await readWholeFeed(liaison, 'PT-UNODC')).items.some((i) => i.initiativeId === own)).toBe(false);

    await publish(eventFor(v(ASI, 'late', 1, { title: { lang: 'fr', text: 'Atelier régional' } })));
    const flagged = await waitForFeedItem(liaison, 'PT-UNODC', 'the released notices', (i) => i.initiativeId === own);
    const both = (await readWholeFeed(liaison, 'PT-UNODC')).items.filter((i) => i.initiativeId === own);
    expect(both.map((n) => (n.payload as { classification: string }).classification)).toEqual(['OVERLAP', 'CLEARED']);
    expect(flagged.payload.other).toEqual({
      initiativeId: `${ASI}-late`,
      reporter: ASI,
      title: { lang: 'fr', text: 'Atelier régional' },
    });
    // PT-UNODC's regions do not cover ASI: it is told about the pair, but not sent the record.
    expect(
      (await readWholeFeed(liaison, 'PT-UNODC')).items.some(
        (i) => i.kind === 'INITIATIVE' && i.initiativeId === `${ASI}-late`,
      ),
    ).toBe(false);
    await waitForFeedItem(liaison, 'PT-UNOCT', 'the ASI record', (i) => i.initiativeId === `${ASI}-late`);
  });

  it('rejects overlap events that are not the platform’s, and ignores pairs that concern no partner', async () => {
    const forged = overlapEvent('flagged', '301', [`${AFR}-restricted`, 'PT-UNODC-x'], 'DUPLICATE', 0.99);
    forged.event.source = '/ctp/hubs/afr';
    const noPartner = overlapEvent('flagged', '302', [`${AFR}-shared`, `${EUR}-barrier-1`], 'OVERLAP', 0.7);
    const broken = overlapEvent('flagged', '303', [`${AFR}-shared`, 'PT-UNODC-x'], 'OVERLAP', 0.7);
    (broken.event.data as { initiativeIds: unknown }).initiativeIds = 'PT-UNODC-x';
    await publish(forged, noPartner, broken);
    expect(await outcomeOf(db, 'liaison-overlaps', forged.event.id)).toEqual({
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
    });
    expect(await outcomeOf(db, 'liaison-overlaps', noPartner.event.id)).toEqual({
      outcome: 'IGNORED',
      reason: 'NO_PARTNER_RECORD',
    });
    expect(await outcomeOf(db, 'liaison-overlaps', broken.event.id)).toEqual({ outcome: 'REJECTED', reason: 'SCHEMA' });
  });

  it('gives a partner registered later the shareable records of its regions it missed, and nothing else', async () => {
    await addPartner(liaison, db, { ref: 'PT-AFRIPOL', regions: ['AFR'] });
    const feed = await waitFor('the late partner to catch up', async () => {
      const f = await readWholeFeed(liaison, 'PT-AFRIPOL');
      return f.items.some((i) => i.initiativeId === `${AFR}-versions`) ? f : undefined;
    });
    await new Promise((r) => setTimeout(r, 800)); // a few more reconciliation rounds: nothing more may come
    const again = await readWholeFeed(liaison, 'PT-AFRIPOL');
    expect(again.items).toEqual(feed.items);
    expect(again.items.every((i) => i.kind === 'INITIATIVE')).toBe(true);
    const ids = again.items.map((i) => `${i.initiativeId}@${i.version}`).sort();
    expect(ids).toEqual([`${AFR}-barrier-2@1`, `${AFR}-barrier-3@1`, `${AFR}-shared@1`, `${AFR}-versions@3`].sort());
    expect(again.raw).not.toContain('Sirocco');
  });

  /** A withdrawal as a hub system may send it: a tombstone (the five fields), on its owner's subject. */
  function tombstoneEvent(ref: string, localId: string, version: number) {
    const data: InitiativeWithdrawal = {
      initiativeId: `${ref}-${localId}`,
      reportingOrg: { ref, type: 'HUB', secondaryReporter: false },
      version,
      lastUpdatedAt: new Date().toISOString(),
      withdrawal: { reason: 'reported in error' },
    };
    // eventFor reads only the owner, id and time of what it wraps.
    const { subject, event } = eventFor(data as unknown as InitiativeSnapshot, InitiativeEventType.Withdrawn);
    return { subject, event: { ...event, data } };
  }

  it('retracts a record withdrawn by a tombstone from the partners that hold it, under the same consumer rules', async () => {
    await publish(eventFor(v(AFR, 'tomb', 1)));
    for (const partner of ['PT-UNODC', 'PT-UNOCT']) {
      await waitForFeedItem(liaison, partner, 'tomb v1', (i) => i.initiativeId === `${AFR}-tomb`);
    }
    // Published by a plain NATS client, in binary mode: the content partner-liaison holds is all it has.
    const withdrawal = tombstoneEvent(AFR, 'tomb', 2);
    await publisher.publishBinary(withdrawal.subject, withdrawal.event);
    for (const partner of ['PT-UNODC', 'PT-UNOCT']) {
      const retraction = await waitForFeedItem(
        liaison,
        partner,
        'the withdrawal',
        (i) => i.initiativeId === `${AFR}-tomb` && i.kind === 'RETRACTION',
      );
      expect(retraction).toMatchObject({ version: 2, payload: { reason: 'WITHDRAWN' } });
    }
    expect(await outcomeOf(db, 'liaison-hubs', withdrawal.event.id)).toEqual({ outcome: 'APPLIED', reason: null });
    // What it holds of the record: the last content, withdrawn, at the tombstone's version.
    const [tomb] = await db.query<{ version: number; withdrawn: boolean; snapshot: Record<string, unknown> }>(
      `SELECT version, withdrawn, snapshot FROM liaison_records WHERE initiative_id = $1`,
      [`${AFR}-tomb`],
    );
    expect(tomb).toMatchObject({ version: 2, withdrawn: true });
    expect(tomb.snapshot).toMatchObject({
      version: 2,
      title: { lang: 'en', text: 'Course tomb v1' },
      withdrawal: { reason: 'reported in error', withdrawnAt: withdrawal.event.data.lastUpdatedAt },
    });

    const stale = tombstoneEvent(AFR, 'tomb', 2);
    const foreign = tombstoneEvent(AFR, 'tomb', 3);
    foreign.subject = 'ctp.hub.eur.initiative.withdrawn.v1';
    foreign.event.source = '/ctp/hubs/eur';
    const neverHeld = tombstoneEvent(AFR, 'never-held', 2);
    await publish(stale, foreign, neverHeld);
    await barrier(AFR, 'barrier-tomb', 'PT-UNODC');
    expect(await outcomeOf(db, 'liaison-hubs', stale.event.id)).toEqual({
      outcome: 'IGNORED',
      reason: 'STALE_VERSION',
    });
    expect(await outcomeOf(db, 'liaison-hubs', foreign.event.id)).toEqual({
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
    });
    // A record never held: kept as withdrawn, and no partner hears of it.
    expect(await outcomeOf(db, 'liaison-hubs', neverHeld.event.id)).toEqual({ outcome: 'APPLIED', reason: null });
    const [held] = await db.query<{ withdrawn: boolean; visibility: string; snapshot: unknown }>(
      `SELECT withdrawn, visibility, snapshot FROM liaison_records WHERE initiative_id = $1`,
      [`${AFR}-never-held`],
    );
    expect(held).toEqual({ withdrawn: true, visibility: 'INTERPOL_RESTRICTED', snapshot: null });
    for (const partner of ['PT-UNODC', 'PT-UNOCT', 'PT-EUROPOL']) {
      const feed = await readWholeFeed(liaison, partner);
      expect(feed.raw).not.toContain('never-held');
      expect(feed.items.filter((i) => i.initiativeId === `${AFR}-tomb`).map((i) => [i.kind, i.version])).toEqual(
        partner === 'PT-EUROPOL'
          ? []
          : [
              ['INITIATIVE', 1],
              ['RETRACTION', 2],
            ],
      );
    }
  });
});
