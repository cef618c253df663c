import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { as, bearer } from '../support/auth';
import { PG_ADMIN_URL } from '../support/databases';
import { eventFor, snapshotOf } from '../support/events';
import { PlatformUnderTest } from '../support/platform-under-test';
import { ROOT } from '../support/services';

/*
 * INTERPOL_RESTRICTED records reach only readers with registry:read-restricted at an INTERPOL organisation. For every
 * other reader of the platform they do not exist: not in a page, a cursor, a filter, a cluster, a pair, a count or an
 * event outcome, and asking for one by id answers exactly what asking for an unknown id answers.
 *
 * The records (ids end with their role: r = restricted, s = shareable):
 *  - cluster X, one training reported three times: R1 (AFR hub, restricted, first reported: the canonical record),
 *    S1 (EUR hub, shareable, names nothing) and P1 (UNODC, shareable, names S1 as the same activity); R1 names S1.
 *    A shareable reader sees the cluster {P1, S1} under S1 (a hub's record before a partner's).
 *  - cluster Y: R2 (ASI hub, restricted, canonical) names S2 (MDE hub, shareable): S2 is in no cluster for that reader.
 *  - U1 (AFR hub) names W (AFRIPOL): shareable at v1, made restricted by v2.
 *  - A1 (EUR hub, shareable) and R3 (EUR hub, restricted) alone; R4 (MDE hub, restricted) withdrawn.
 */
const BASE = Date.now() - 10 * 60_000;
const at = (s: number) => new Date(BASE + s * 1000).toISOString();
const SECRET = 'RESTRICTED-MARKER';

const trainingX = {
  kind: 'TRN' as const,
  title: { lang: 'fr' as const, text: 'Formation régionale sur les combattants terroristes étrangers' },
  actionStreams: { primary: 'TRAVEL_MOBILITY' as const, secondary: [] },
  dates: { plannedStart: '2027-09-06', plannedEnd: '2027-09-10' },
  recipientCountries: ['KE', 'UG'],
  scope: 'REGIONAL' as const,
};
const restricted = (n: string) => ({ visibility: 'INTERPOL_RESTRICTED' as const, description: `${SECRET} ${n}` });

const R1 = snapshotOf('IP-HUB-AFR', 'sec-r1', {
  ...trainingX,
  ...restricted('r1'),
  lastUpdatedAt: at(0),
  relatedInitiatives: [{ ref: 'IP-HUB-EUR-sec-s1', type: 5 }],
});
const S1 = snapshotOf('IP-HUB-EUR', 'sec-s1', { ...trainingX, lastUpdatedAt: at(1) });
const P1 = snapshotOf('PT-UNODC', 'sec-p1', {
  ...trainingX,
  title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
  lastUpdatedAt: at(2),
  relatedInitiatives: [{ ref: 'IP-HUB-EUR-sec-s1', type: 5 }],
});
const financingY = {
  actionStreams: { primary: 'FINANCING' as const, secondary: [] },
  dates: { plannedStart: '2027-10-04', plannedEnd: '2027-10-08' },
  recipientCountries: ['JO'],
};
const R2 = snapshotOf('IP-HUB-ASI', 'sec-r2', {
  ...financingY,
  ...restricted('r2'),
  lastUpdatedAt: at(3),
  relatedInitiatives: [{ ref: 'IP-HUB-MDE-sec-s2', type: 5 }],
});
const S2 = snapshotOf('IP-HUB-MDE', 'sec-s2', { ...financingY, lastUpdatedAt: at(4) });
const identificationU = {
  actionStreams: { primary: 'IDENTIFICATION' as const, secondary: [] },
  dates: { plannedStart: '2027-11-01', plannedEnd: '2027-11-05' },
  recipientCountries: ['NG'],
};
const U1 = snapshotOf('IP-HUB-AFR', 'sec-u1', {
  ...identificationU,
  lastUpdatedAt: at(5),
  relatedInitiatives: [{ ref: 'PT-AFRIPOL-sec-w', type: 5 }],
});
const U1v2: InitiativeSnapshot = { ...U1, ...restricted('u1 v2'), version: 2, lastUpdatedAt: at(30) };
const W = snapshotOf('PT-AFRIPOL', 'sec-w', { ...identificationU, lastUpdatedAt: at(6) });
const A1 = snapshotOf('IP-HUB-EUR', 'sec-a1', {
  actionStreams: { primary: 'ONLINE_PRESENCE', secondary: [] },
  recipientCountries: ['FR'],
  lastUpdatedAt: at(7),
});
const R3 = snapshotOf('IP-HUB-EUR', 'sec-r3', {
  ...restricted('r3'),
  actionStreams: { primary: 'WEAPONS_MATERIALS', secondary: [] },
  recipientCountries: ['DE'],
  lastUpdatedAt: at(8),
});
const R4 = snapshotOf('IP-HUB-MDE', 'sec-r4', {
  ...restricted('r4'),
  actionStreams: { primary: 'FINANCING', secondary: [] },
  recipientCountries: ['EG'],
  lastUpdatedAt: at(9),
});
const R4withdrawn: InitiativeSnapshot = {
  ...R4,
  version: 2,
  lastUpdatedAt: at(31),
  withdrawal: { reason: 'reported in error', withdrawnAt: at(31) },
};

const id = (s: InitiativeSnapshot) => s.initiativeId;
const RESTRICTED_IDS = [R1, R2, R3, R4, U1].map(id);
/** The live shareable records once U1 is restricted, in id order (code units). */
const SHAREABLE_IDS = [A1, S1, S2, W, P1].map(id).sort();
const ALL_LIVE_IDS = [R1, S1, P1, R2, S2, U1, W, A1, R3].map(id).sort();

const firstEvents = [R1, S1, P1, R2, S2, U1, W, A1, R3, R4].map((s) => eventFor(s));
const laterEvents = [eventFor(U1v2), eventFor(R4withdrawn, InitiativeEventType.Withdrawn)];
const eventsOf = (s: InitiativeSnapshot) =>
  [...firstEvents, ...laterEvents].filter((e) => e.event.data.initiativeId === s.initiativeId).map((e) => e.event);

interface PairView {
  id: string;
  aId: string;
  bId: string;
  effective: string | null;
  decision: string | null;
  decidedAt: string | null;
  decidedBy: { sub: string; org: string } | null;
  records: { initiativeId: string; clusterId: string | null }[];
}
interface Page {
  items: { initiativeId: string; clusterId: string | null }[];
  nextCursor?: string;
}
interface RecordView {
  initiativeId: string;
  cluster: { clusterId: string; canonicalId: string; isCanonical: boolean; members: string[] } | null;
}

describe('INTERPOL_RESTRICTED records on the platform', () => {
  const p = new PlatformUnderTest('restricted', { ROLLUP_DEBOUNCE_MS: '200' });

  beforeAll(() => p.start());
  afterAll(() => p.stop());

  /** Readers of shareable records only: registry:read anywhere, and registry:read-restricted outside INTERPOL. */
  const shareableReaders = [
    ['PT-UNODC', 'registry:read'],
    ['IP-GS-CTP', 'registry:read'],
    ['PT-UNODC', 'registry:read-restricted'],
  ] as const;

  async function call(
    path: string,
    headers: Record<string, string>,
    init: RequestInit = {},
  ): Promise<{ status: number; type: string | null; text: string }> {
    const res = await fetch(`${p.baseUrl}${path}`, { ...init, headers: { ...headers, ...init.headers } });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }
  async function json<T>(path: string, headers: Record<string, string>): Promise<T> {
    const r = await call(path, headers);
    expect([path, r.status]).toEqual([path, 200]);
    return JSON.parse(r.text) as T;
  }
  /** Every page of /initiatives with `query`, following nextCursor; each page's body kept. */
  async function allPages(query: string, headers: Record<string, string>, bodies: string[]): Promise<Page[]> {
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const r = await call(`/initiatives?${query}${cursor ? `&cursor=${cursor}` : ''}`, headers);
      expect(r.status).toBe(200);
      bodies.push(r.text);
      const page = JSON.parse(r.text) as Page;
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 50);
    return pages;
  }
  /** A 404 for a hidden id must be the 404 for an unknown one, the id aside. */
  async function expectSameAsMissing(
    hidden: { path: string; id: string },
    missing: { path: string; id: string },
    headers: Record<string, string>,
    init: RequestInit = {},
  ): Promise<void> {
    const shape = (r: { status: number; type: string | null; text: string }, id: string) => {
      const body = JSON.parse(r.text) as { message: string };
      return { status: r.status, type: r.type, body: { ...body, message: body.message.split(id).join('<id>') } };
    };
    const m = await call(missing.path, headers, init);
    expect(m.status).toBe(404);
    expect(shape(await call(hidden.path, headers, init), hidden.id)).toEqual(shape(m, missing.id));
  }
  const pairsAsAnalyst = async () => (await p.get<{ items: PairView[] }>('/overlaps?limit=500')).items;
  const pairOf = (pairs: PairView[], a: string, b: string) =>
    pairs.find((x) => [x.aId, x.bId].sort().join() === [a, b].sort().join());

  it('serves a shareable record to registry:read until an update makes it restricted', async () => {
    await p.decided(firstEvents);
    const reader = await bearer('PT-UNODC', 'registry:read');
    expect((await call(`/initiatives/${id(U1)}`, reader)).status).toBe(200);
    const pairs = (await json<{ items: PairView[] }>(`/overlaps?initiativeId=${id(U1)}`, reader)).items;
    expect(pairs.map((x) => [x.aId, x.bId].sort())).toEqual([[id(U1), id(W)]]);

    await p.decided(laterEvents);
    expect((await p.get<{ snapshot: InitiativeSnapshot }>(`/initiatives/${id(U1)}`)).snapshot.visibility).toBe(
      'INTERPOL_RESTRICTED',
    );
    expect((await call(`/initiatives/${id(U1)}`, reader)).status).toBe(404);
    expect((await json<{ items: PairView[] }>(`/overlaps?initiativeId=${id(U1)}`, reader)).items).toEqual([]);
  });

  it('the analyst (registry:read-restricted at IP-GS-CTP) sees every record, pair, cluster and count', async () => {
    const analyst = await as.analyst();
    const bodies: string[] = [];
    const pages = await allPages('limit=2', analyst, bodies);
    expect(pages.flatMap((pg) => pg.items.map((i) => i.initiativeId))).toEqual(ALL_LIVE_IDS);
    const withdrawn = await allPages('limit=500&includeWithdrawn=true', analyst, bodies);
    expect(withdrawn[0].items.map((i) => i.initiativeId)).toEqual([...ALL_LIVE_IDS, id(R4)].sort());

    expect((await json<RecordView>(`/initiatives/${id(S1)}`, analyst)).cluster).toEqual({
      clusterId: id(R1),
      canonicalId: id(R1),
      isCanonical: false,
      members: [id(R1), id(S1), id(P1)].sort(),
    });
    expect((await json<RecordView>(`/initiatives/${id(S2)}`, analyst)).cluster?.canonicalId).toBe(id(R2));
    expect((await json<RecordView>(`/initiatives/${id(W)}`, analyst)).cluster?.canonicalId).toBe(id(U1));

    const pairs = await pairsAsAnalyst();
    for (const [a, b] of [
      [R1, S1],
      [S1, P1],
      [R2, S2],
      [U1, W],
    ])
      expect(pairOf(pairs, id(a), id(b))).toMatchObject({ effective: 'DUPLICATE' });

    // By hand, every live record: R1 P1 (AFR TRAVEL, X under R1), U1 W (AFR IDENTIFICATION, under U1), R2 (ASI),
    // A1 R3 S1 (EUR; S1 counted under R1), S2 (MDE; counted under R2).
    expect((await json<{ rows: unknown[]; totals: unknown }>('/rollups', analyst)).rows).toEqual([
      { region: 'AFR', primaryActionStream: 'IDENTIFICATION', status: 'PIPELINE', reported: 2, deduplicated: 1 },
      { region: 'AFR', primaryActionStream: 'TRAVEL_MOBILITY', status: 'PIPELINE', reported: 2, deduplicated: 1 },
      { region: 'ASI', primaryActionStream: 'FINANCING', status: 'PIPELINE', reported: 1, deduplicated: 1 },
      { region: 'EUR', primaryActionStream: 'ONLINE_PRESENCE', status: 'PIPELINE', reported: 1, deduplicated: 1 },
      { region: 'EUR', primaryActionStream: 'TRAVEL_MOBILITY', status: 'PIPELINE', reported: 1, deduplicated: 0 },
      { region: 'EUR', primaryActionStream: 'WEAPONS_MATERIALS', status: 'PIPELINE', reported: 1, deduplicated: 1 },
      { region: 'MDE', primaryActionStream: 'FINANCING', status: 'PIPELINE', reported: 1, deduplicated: 0 },
    ]);
    expect((await json<{ totals: unknown }>('/rollups?groupBy=country', analyst)).totals).toEqual({
      reported: 9,
      deduplicated: 5,
    });
    for (const e of eventsOf(R1).concat(eventsOf(U1), eventsOf(R4)))
      expect((await call(`/events/${encodeURIComponent(e.source)}/${e.id}`, analyst)).status).toBe(200);
  });

  it.each(shareableReaders)(
    '%s with %s: no route returns, counts or hints at a restricted record',
    async (org, scope) => {
      const reader = await bearer(org, scope);
      const bodies: string[] = [];
      const keep = async <T>(path: string): Promise<T> => {
        const r = await call(path, reader);
        expect([path, r.status]).toEqual([path, 200]);
        bodies.push(r.text);
        return JSON.parse(r.text) as T;
      };

      // Registry: pages of every size hold the shareable records only, and their cursors name shareable records.
      for (const query of ['limit=500', 'limit=1', 'limit=2', 'limit=500&includeWithdrawn=true']) {
        const pages = await allPages(query, reader, bodies);
        expect([query, pages.flatMap((pg) => pg.items.map((i) => i.initiativeId))]).toEqual([query, SHAREABLE_IDS]);
        const limit = Number(/limit=(\d+)/.exec(query)![1]);
        expect(pages).toHaveLength(Math.max(1, Math.ceil(SHAREABLE_IDS.length / limit)));
        for (const pg of pages.slice(0, -1))
          expect(SHAREABLE_IDS).toContain(Buffer.from(pg.nextCursor!, 'base64url').toString('utf8'));
        expect(pages[pages.length - 1].nextCursor).toBeUndefined();
      }
      const clusterOf = Object.fromEntries(
        (await keep<Page>('/initiatives?limit=500')).items.map((i) => [i.initiativeId, i.clusterId]),
      );
      expect(clusterOf).toEqual({
        [id(A1)]: null,
        [id(S1)]: id(S1),
        [id(P1)]: id(S1),
        [id(S2)]: null,
        [id(W)]: null,
      });
      // Filters that would only match restricted records match nothing; a cursor past them shows nothing more.
      for (const query of [
        'reporter=IP-HUB-AFR',
        'region=ASI',
        'primaryActionStream=WEAPONS_MATERIALS',
        `cluster=${id(R1)}`,
        `cluster=${id(R2)}`,
        `cluster=${id(U1)}`,
        'country=DE',
        `cursor=${Buffer.from(id(P1)).toString('base64url')}`,
      ])
        expect([query, await keep<Page>(`/initiatives?${query}`)]).toEqual([query, { items: [] }]);
      expect((await keep<Page>(`/initiatives?cluster=${id(S1)}`)).items.map((i) => i.initiativeId)).toEqual(
        [id(S1), id(P1)].sort(),
      );
      expect((await keep<Page>('/initiatives?region=AFR')).items.map((i) => i.initiativeId)).toEqual(
        [id(P1), id(W)].sort(),
      );
      expect((await keep<RecordView>(`/initiatives/${id(P1)}`)).cluster).toEqual({
        clusterId: id(S1),
        canonicalId: id(S1),
        isCanonical: false,
        members: [id(S1), id(P1)].sort(),
      });
      expect((await keep<RecordView>(`/initiatives/${id(S1)}`)).cluster).toMatchObject({ isCanonical: true });
      for (const s of [S2, W, A1]) expect((await keep<RecordView>(`/initiatives/${id(s)}`)).cluster).toBeNull();
      // A restricted id answers as an unknown one.
      for (const hidden of RESTRICTED_IDS) {
        const missing = `${hidden.slice(0, -2)}zz`;
        await expectSameAsMissing(
          { path: `/initiatives/${hidden}`, id: hidden },
          { path: `/initiatives/${missing}`, id: missing },
          reader,
        );
      }

      // Overlaps: only the pair of two shareable records, in the shareable cluster; the others are unknown pairs.
      const pairs = (await keep<{ items: PairView[] }>('/overlaps?limit=500')).items;
      expect(pairs.map((x) => [x.aId, x.bId].sort())).toEqual([[id(S1), id(P1)].sort()]);
      expect(pairs[0].records.map((r) => r.clusterId)).toEqual([id(S1), id(S1)]);
      await keep(`/overlaps/${pairs[0].id}`);
      for (const hidden of RESTRICTED_IDS)
        expect((await keep<{ items: PairView[] }>(`/overlaps?initiativeId=${hidden}`)).items).toEqual([]);
      const all = await pairsAsAnalyst();
      const hiddenPairs = all.filter((x) => RESTRICTED_IDS.includes(x.aId) || RESTRICTED_IDS.includes(x.bId));
      expect(hiddenPairs.length).toBeGreaterThanOrEqual(3);
      for (const hp of hiddenPairs)
        await expectSameAsMissing(
          { path: `/overlaps/${hp.id}`, id: hp.id },
          { path: '/overlaps/987654321', id: '987654321' },
          reader,
        );
      for (let i = 1; i <= 2; i++) {
        const page = await keep<{ items: PairView[]; nextCursor?: string }>(`/overlaps?limit=${i}`);
        expect(page.items.map((x) => x.id)).toEqual([pairs[0].id]);
        expect(page.nextCursor).toBeUndefined();
      }
      // The detection backlog counts restricted records too: for INTERPOL's operators and analysts only.
      expect((await call('/overlaps/detection', reader)).status).toBe(403);

      // Rollups, by hand over the shareable records: P1 (AFR, counted under S1 in EUR), W (AFR), A1 and S1 (EUR),
      // S2 (MDE, alone once R2 is hidden). Restricted R1, R2, R3 and U1 count nowhere; R4 is withdrawn.
      const rollup = await keep<{ rows: unknown[]; totals: unknown }>('/rollups');
      expect(rollup.rows).toEqual([
        { region: 'AFR', primaryActionStream: 'IDENTIFICATION', status: 'PIPELINE', reported: 1, deduplicated: 1 },
        { region: 'AFR', primaryActionStream: 'TRAVEL_MOBILITY', status: 'PIPELINE', reported: 1, deduplicated: 0 },
        { region: 'EUR', primaryActionStream: 'ONLINE_PRESENCE', status: 'PIPELINE', reported: 1, deduplicated: 1 },
        { region: 'EUR', primaryActionStream: 'TRAVEL_MOBILITY', status: 'PIPELINE', reported: 1, deduplicated: 1 },
        { region: 'MDE', primaryActionStream: 'FINANCING', status: 'PIPELINE', reported: 1, deduplicated: 1 },
      ]);
      expect(rollup.totals).toEqual({ reported: 5, deduplicated: 4 });
      const byCountry = await keep<{ rows: unknown[]; totals: unknown }>('/rollups?groupBy=country');
      expect(byCountry.rows).toEqual([
        { country: 'FR', reported: 1, deduplicated: 1 },
        { country: 'JO', reported: 1, deduplicated: 1 },
        { country: 'KE', reported: 2, deduplicated: 1 },
        { country: 'NG', reported: 1, deduplicated: 1 },
        { country: 'UG', reported: 2, deduplicated: 1 },
      ]);
      expect(byCountry.totals).toEqual({ reported: 5, deduplicated: 4 });
      // No record has a capability: no row, and the totals still count each shareable record once.
      const byCapability = await keep<{ rows: unknown[]; totals: unknown }>('/rollups?groupBy=kind,capability');
      expect(byCapability).toMatchObject({ rows: [], totals: { reported: 5, deduplicated: 4 } });
      const csv = await call('/rollups?groupBy=region,status', { ...reader, accept: 'text/csv' });
      bodies.push(csv.text);
      expect(csv.text.split('\r\n')).toEqual([
        'region,status,reported,deduplicated',
        '#region,#status,#indicator+reported+num,#indicator+deduplicated+num',
        'AFR,PIPELINE,2,1',
        'EUR,PIPELINE,2,2',
        'MDE,PIPELINE,1,1',
        '',
      ]);

      // Event outcomes: those of shareable records' events; the others answer as unknown events.
      for (const e of eventsOf(S1).concat(eventsOf(W)))
        expect((await keep<{ outcome: string }>(`/events/${encodeURIComponent(e.source)}/${e.id}`)).outcome).toBe(
          'APPLIED',
        );
      for (const e of eventsOf(R1).concat(eventsOf(R2), eventsOf(R3), eventsOf(R4), eventsOf(U1))) {
        const missing = randomUUID();
        await expectSameAsMissing(
          { path: `/events/${encodeURIComponent(e.source)}/${e.id}`, id: e.id },
          { path: `/events/${encodeURIComponent(e.source)}/${missing}`, id: missing },
          reader,
        );
      }

      // Nothing served to this reader names a restricted record or shows its content.
      const served = bodies.join('\n');
      for (const hidden of RESTRICTED_IDS) expect(served).not.toContain(hidden);
      expect(served).not.toContain(SECRET);
    },
  );

  it('event outcomes: INTERPOL operators see every one, operators elsewhere only those of shareable records', async () => {
    const [e] = eventsOf(R1);
    const path = `/events/${encodeURIComponent(e.source)}/${e.id}`;
    expect((await call(path, await bearer('IP-GS-CTP', 'ops:read'))).status).toBe(200);
    expect((await call(path, await bearer('IP-HUB-AFR', 'ops:read'))).status).toBe(200);
    expect((await call(path, await bearer('PT-UNODC', 'ops:read'))).status).toBe(404);
    const [s] = eventsOf(S1);
    expect(
      (await call(`/events/${encodeURIComponent(s.source)}/${s.id}`, await bearer('PT-UNODC', 'ops:read'))).status,
    ).toBe(200);
  });

  it('records who decided, shows it, hides pairs with a restricted record from a deciding registry:read analyst, and a rebuild keeps it', async () => {
    const pairs = await pairsAsAnalyst();
    const shared = pairOf(pairs, id(S1), id(P1))!;
    const hidden = pairOf(pairs, id(R2), id(S2))!;

    // An analyst who may decide but reads shareable records only: the hidden pair is an unknown pair; nothing changes.
    const limited = await bearer('IP-GS-CTP', 'overlaps:decide registry:read', { sub: 'analyst-limited' });
    const decision = { decision: 'REJECTED', note: 'not the same' };
    await expectSameAsMissing(
      { path: `/overlaps/${hidden.id}/decision`, id: hidden.id },
      { path: '/overlaps/987654321/decision', id: '987654321' },
      limited,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(decision) },
    );
    expect(await p.db.query(`SELECT decision, decided_by_sub FROM overlap_pairs WHERE id = $1`, [hidden.id])).toEqual([
      { decision: null, decided_by_sub: null },
    ]);

    const jane = await bearer('IP-GS-CTP', 'overlaps:decide registry:read-restricted', { sub: 'analyst-jane' });
    const res = await call(`/overlaps/${shared.id}/decision`, jane, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'CONFIRMED', note: 'same cohort' }),
    });
    expect(res.status).toBe(200);
    const decided = JSON.parse(res.text) as PairView;
    expect(decided).toMatchObject({ decision: 'CONFIRMED', decidedBy: { sub: 'analyst-jane', org: 'IP-GS-CTP' } });
    expect(decided.decidedAt).not.toBeNull();
    for (const headers of [await as.analyst(), await bearer('PT-UNODC', 'registry:read')]) {
      const view = await json<PairView>(`/overlaps/${shared.id}`, headers);
      expect(view).toMatchObject({ decision: 'CONFIRMED', decidedAt: decided.decidedAt });
      expect(view.decidedBy).toEqual({ sub: 'analyst-jane', org: 'IP-GS-CTP' });
    }
    const limitedDecision = await call(`/overlaps/${shared.id}/decision`, limited, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'CONFIRMED' }),
    });
    expect(limitedDecision.status).toBe(200);
    expect((JSON.parse(limitedDecision.text) as PairView).decidedBy).toEqual({
      sub: 'analyst-limited',
      org: 'IP-GS-CTP',
    });
    expect((await pairsAsAnalyst()).find((x) => x.id === hidden.id)?.decidedBy).toBeNull();

    // The rebuild copies decisions from the live database, with who made them.
    const rebuilt = `${p.db.name}_rb`;
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(ROOT, 'dist/scripts/platform-rebuild.js'), '--database', rebuilt, '--keep'],
        {
          env: { PATH: process.env.PATH ?? '', NATS_URL: p.nats.url, DATABASE_URL: p.db.url },
          timeout: 120_000,
        },
      );
      expect(stdout).toContain('rebuild matches the live read model');
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${rebuilt}`;
      const c = new Client({ connectionString: url.toString() });
      await c.connect();
      try {
        const { rows } = await c.query(
          `SELECT a_id, b_id, decision, decided_by_sub, decided_by_org FROM overlap_pairs WHERE decision IS NOT NULL`,
        );
        expect(rows).toEqual([
          {
            a_id: shared.aId,
            b_id: shared.bId,
            decision: 'CONFIRMED',
            decided_by_sub: 'analyst-limited',
            decided_by_org: 'IP-GS-CTP',
          },
        ]);
      } finally {
        await c.end();
      }
    } finally {
      const admin = new Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${rebuilt}" WITH (FORCE)`);
      await admin.end();
    }
  });
});
