import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InitiativeEventType, InitiativeSnapshot, JetStreamNames } from '@ctp/contracts';
import { LABELLED_PAIRS, LabelledPair, UPDATE_SCENARIO } from '../fixtures/labelled-pairs';
import { toMatchCandidate } from '../../apps/platform/src/overlaps/domain/match-candidate';
import { comparePair } from '../../apps/platform/src/overlaps/domain/pair-matcher';
import { as } from '../support/auth';
import { eventFor, snapshotOf } from '../support/events';
import { PlatformUnderTest } from '../support/platform-under-test';
import { ROOT, waitFor } from '../support/services';

interface PairView {
  id: string;
  aId: string;
  bId: string;
  effective: string | null;
  score: number;
  rule: string;
  signals: Record<string, unknown> | null;
  decision: string | null;
}
interface RecordView {
  version: number;
  withdrawn: boolean;
  cluster: { canonicalId: string; members: string[] } | null;
}

/** The labelled pairs that the platform can receive as events (the platform itself reports no initiatives). */
const DELIVERABLE = LABELLED_PAIRS.filter((p) => [p.a, p.b].every((r) => r.snapshot.reportingOrg.type !== 'PLATFORM'));

/** Gives a pair's records ids of their own (and fixes the links between them), so pairs never meet each other. */
function isolate(pair: LabelledPair, i: number): { a: InitiativeSnapshot; b: InitiativeSnapshot } {
  const rename = new Map<string, string>();
  for (const r of [pair.a, pair.b]) rename.set(r.snapshot.initiativeId, `${r.snapshot.initiativeId}.p${i}`);
  const fix = (s: InitiativeSnapshot): InitiativeSnapshot => ({
    ...s,
    initiativeId: rename.get(s.initiativeId)!,
    ...(s.relatedInitiatives
      ? { relatedInitiatives: s.relatedInitiatives.map((r) => ({ ...r, ref: rename.get(r.ref) ?? r.ref })) }
      : {}),
    ...(s.otherIdentifiers
      ? { otherIdentifiers: s.otherIdentifiers.map((o) => ({ ...o, ref: rename.get(o.ref) ?? o.ref })) }
      : {}),
  });
  return { a: fix(pair.a.snapshot), b: fix(pair.b.snapshot) };
}

/** docs/domain.md "Clusters and canonical records": a hub record before a partner record, then the earliest first reported, then the smaller id. */
function expectedCanonical(a: InitiativeSnapshot, b: InitiativeSnapshot): string {
  const rank = (s: InitiativeSnapshot) => (s.reportingOrg.type === 'HUB' ? 0 : 1);
  return [a, b].sort(
    (x, y) =>
      rank(x) - rank(y) ||
      Date.parse(x.lastUpdatedAt) - Date.parse(y.lastUpdatedAt) ||
      (x.initiativeId < y.initiativeId ? -1 : 1),
  )[0].initiativeId;
}

/** Duplicate and overlap detection through the real consumer, the labelled set, decisions, rollups and a rebuild. */
describe('platform duplicate and overlap detection', () => {
  const p = new PlatformUnderTest('dups', { ROLLUP_DEBOUNCE_MS: '200' });

  beforeAll(() => p.start());
  afterAll(() => p.stop());

  const get = <T>(path: string) => p.get<T>(path);
  const decided = (events: ReturnType<typeof eventFor>[]) => p.decided(events);
  const pairOf = async (aId: string, bId: string) =>
    (await get<{ items: PairView[] }>(`/overlaps?initiativeId=${encodeURIComponent(aId)}&limit=500`)).items.find(
      (p) => [p.aId, p.bId].sort().join() === [aId, bId].sort().join(),
    );

  // What the platform stores is what the matcher decides (how well the matcher agrees with the labels is the quality
  // gate, apps/platform/src/overlaps/domain/matching-quality.spec.ts).
  it(`classifies each of the ${DELIVERABLE.length} deliverable labelled pairs as the matcher does, with clusters and canonical records`, async () => {
    expect(DELIVERABLE.length).toBeGreaterThanOrEqual(40);
    const wrong: string[] = [];
    for (const [i, pair] of DELIVERABLE.entries()) {
      const { a, b } = isolate(pair, i);
      await decided([eventFor(a), eventFor(b)]);
      const found = await pairOf(a.initiativeId, b.initiativeId);
      const got = found?.effective ?? null;
      const expected = comparePair(
        toMatchCandidate(a, a.lastUpdatedAt),
        toMatchCandidate(b, b.lastUpdatedAt),
      ).classification;
      if (got !== expected)
        wrong.push(`${pair.name}: expected ${expected}, got ${got} (${found?.rule} ${found?.score})`);
      if (expected === 'DUPLICATE') {
        const ra = await get<RecordView>(`/initiatives/${encodeURIComponent(a.initiativeId)}`);
        const rb = await get<RecordView>(`/initiatives/${encodeURIComponent(b.initiativeId)}`);
        expect(ra.cluster?.canonicalId).toBe(expectedCanonical(a, b));
        expect(rb.cluster?.canonicalId).toBe(ra.cluster?.canonicalId);
        expect(ra.cluster?.members.sort()).toEqual([a.initiativeId, b.initiativeId].sort());
      }
      if (got) expect(found?.signals === null || typeof found?.signals === 'object').toBe(true);
      // Withdraw both: they leave detection (and the counts), so the next pair meets nothing of this one.
      await decided([
        eventFor(
          { ...a, version: a.version + 1, withdrawal: { reason: 'test isolation', withdrawnAt: a.lastUpdatedAt } },
          InitiativeEventType.Withdrawn,
        ),
        eventFor(
          { ...b, version: b.version + 1, withdrawal: { reason: 'test isolation', withdrawnAt: b.lastUpdatedAt } },
          InitiativeEventType.Withdrawn,
        ),
      ]);
      if (got) expect((await pairOf(a.initiativeId, b.initiativeId))?.effective ?? null).toBeNull();
    }
    expect(wrong).toEqual([]);
    const live = await get<{ items: unknown[] }>('/initiatives?limit=500');
    expect(live.items).toHaveLength(0);
  });

  it('flags a duplicate that only appears after an update, publishes it, and clears it when the record moves away', async () => {
    const a = UPDATE_SCENARIO.a.snapshot;
    const before = UPDATE_SCENARIO.bBefore.snapshot;
    await decided([eventFor(a), eventFor(before)]);
    expect(await pairOf(a.initiativeId, before.initiativeId)).toBeUndefined();
    await decided([eventFor(UPDATE_SCENARIO.bAfter.snapshot)]);
    const pair = await pairOf(a.initiativeId, before.initiativeId);
    expect(pair).toMatchObject({ effective: 'DUPLICATE' });
    const moved = {
      ...UPDATE_SCENARIO.bAfter.snapshot,
      version: 3,
      lastUpdatedAt: '2025-04-20T08:00:00Z',
      dates: { plannedStart: '2025-11-03', plannedEnd: '2025-11-07' },
    };
    await decided([eventFor(moved)]);
    // Cleared: no longer listed among the flagged pairs.
    expect((await pairOf(a.initiativeId, before.initiativeId))?.effective ?? null).toBeNull();

    // The events leave through the platform's outbox, moments after the detection run that wrote them.
    const overlapEventsOfPair = async (): Promise<string[]> => {
      const subjects: string[] = [];
      const info = await p.publisher.jsm.streams.info(JetStreamNames.eventsStream);
      for (let seq = 1; seq <= info.state.messages; seq++) {
        const m = await p.publisher.jsm.streams.getMessage(JetStreamNames.eventsStream, { seq });
        if (
          m?.subject.startsWith('ctp.platform.overlap.') &&
          m.json<{ data: { pairId: string } }>().data.pairId === pair!.id
        )
          subjects.push(m.subject);
      }
      return subjects;
    };
    await waitFor('the cleared event in the stream', async () => (await overlapEventsOfPair()).length >= 2);
    expect(await overlapEventsOfPair()).toEqual(['ctp.platform.overlap.flagged.v1', 'ctp.platform.overlap.cleared.v1']);
    await decided([
      eventFor(
        { ...a, version: a.version + 1, withdrawal: { reason: 'end of test', withdrawnAt: a.lastUpdatedAt } },
        InitiativeEventType.Withdrawn,
      ),
      eventFor(
        { ...moved, version: 4, withdrawal: { reason: 'end of test', withdrawnAt: moved.lastUpdatedAt } },
        InitiativeEventType.Withdrawn,
      ),
    ]);
  });

  it('counts rollups as a person would, and lets an analyst override the score', async () => {
    const now = new Date().toISOString();
    const training = {
      kind: 'TRN' as const,
      lastUpdatedAt: now,
      title: { lang: 'fr' as const, text: 'Formation régionale sur les combattants terroristes étrangers' },
      actionStreams: { primary: 'TRAVEL_MOBILITY' as const, secondary: [] },
      dates: { plannedStart: '2027-09-06', plannedEnd: '2027-09-10' },
      recipientCountries: ['KE', 'UG'],
      scope: 'REGIONAL' as const,
    };
    const records = [
      snapshotOf('IP-HUB-AFR', 'r1', training),
      // The same training reported by a partner, in English: a duplicate of r1.
      snapshotOf('PT-UNODC', 'r2', {
        ...training,
        title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
      }),
      snapshotOf('IP-HUB-AFR', 'r3', {
        lastUpdatedAt: now,
        actionStreams: { primary: 'FINANCING', secondary: [] },
        recipientCountries: ['NG'],
      }),
      snapshotOf('IP-HUB-EUR', 'r4', {
        lastUpdatedAt: now,
        actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
        recipientCountries: ['FR'],
        status: 'CANCELLED',
      }),
      snapshotOf('IP-HUB-EUR', 'r5', {
        lastUpdatedAt: now,
        actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
        recipientCountries: ['DE'],
      }),
    ];
    await decided(records.map((r) => eventFor(r)));
    await decided([
      eventFor(
        { ...records[4], version: 2, withdrawal: { reason: 'reported in error', withdrawnAt: now } },
        InitiativeEventType.Withdrawn,
      ),
    ]);
    const pair = (await pairOf('IP-HUB-AFR-r1', 'PT-UNODC-r2'))!;
    expect(pair.effective).toBe('DUPLICATE');

    // By hand: AFR/TRAVEL_MOBILITY/PIPELINE has r1 and r2 (r2, a partner record with KE and UG, counts in AFR):
    // reported 2, deduplicated 1; AFR/FINANCING/PIPELINE r3: 1 and 1; EUR/TRAVEL_MOBILITY/CANCELLED r4: 1 and 1;
    // r5 is withdrawn and counts nowhere.
    const rows = async () =>
      (await get<{ rows: Record<string, unknown>[] }>('/rollups?groupBy=region,primaryActionStream,status')).rows;
    expect(await rows()).toEqual([
      { region: 'AFR', primaryActionStream: 'FINANCING', status: 'PIPELINE', reported: 1, deduplicated: 1 },
      { region: 'AFR', primaryActionStream: 'TRAVEL_MOBILITY', status: 'PIPELINE', reported: 2, deduplicated: 1 },
      { region: 'EUR', primaryActionStream: 'TRAVEL_MOBILITY', status: 'CANCELLED', reported: 1, deduplicated: 1 },
    ]);
    const csv = await (
      await fetch(`${p.baseUrl}/rollups?groupBy=region,status`, {
        headers: { accept: 'text/csv', ...(await as.analyst()) },
      })
    ).text();
    expect(csv.split('\r\n').slice(0, 4)).toEqual([
      'region,status,reported,deduplicated',
      '#region,#status,#indicator+reported+num,#indicator+deduplicated+num',
      'AFR,PIPELINE,3,2',
      'EUR,CANCELLED,1,1',
    ]);

    // The analyst says they are two different trainings: the pair stops counting as one, and stays so after an update.
    const decision = await fetch(`${p.baseUrl}/overlaps/${pair.id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await as.analyst()) },
      body: JSON.stringify({ decision: 'REJECTED', note: 'two cohorts, confirmed with UNODC' }),
    });
    expect(decision.status).toBe(200);
    expect(
      (
        (await rows()).find((r) => r.primaryActionStream === 'TRAVEL_MOBILITY' && r.region === 'AFR') as {
          deduplicated: number;
        }
      ).deduplicated,
    ).toBe(2);
    await decided([eventFor({ ...records[1], version: 2, description: 'venue confirmed' })]);
    expect(await pairOf('IP-HUB-AFR-r1', 'PT-UNODC-r2')).toMatchObject({ decision: 'REJECTED', effective: null });
    expect((await get<RecordView>('/initiatives/PT-UNODC-r2')).cluster).toBeNull();
    const bad = await fetch(`${p.baseUrl}/overlaps/${pair.id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await as.analyst()) },
      body: JSON.stringify({ decision: 'MAYBE' }),
    });
    expect(bad.status).toBe(400);

    // A debounced rollup event went out with the latest counts.
    const rollupEvent = await waitFor('a rollup event with the decided counts', async () => {
      const m = await p.publisher.jsm.streams
        .getMessage(JetStreamNames.eventsStream, { last_by_subj: 'ctp.platform.rollup.updated.v1' })
        .catch(() => undefined);
      const data = m?.json<{ data: { totals: { reported: number; deduplicated: number } } }>().data;
      return data && data.totals.deduplicated === 4 ? data : undefined;
    });
    expect(rollupEvent.totals).toEqual({ reported: 4, deduplicated: 4 });
  });

  it('rebuilds the same read model from the stream alone', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'dist/scripts/platform-rebuild.js'), '--database', `${p.db.name}_rb`],
      {
        env: { PATH: process.env.PATH ?? '', NATS_URL: p.nats.url, DATABASE_URL: p.db.url },
        timeout: 120_000,
      },
    );
    const result = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as { msg: string; live?: { initiatives: number; hash: string }; rebuilt?: { hash: string } },
      )
      .find((l) => l.live);
    expect(result?.msg).toBe('rebuild matches the live read model');
    expect(result?.live?.initiatives).toBeGreaterThan(90);
    expect(result?.rebuilt?.hash).toBe(result?.live?.hash);
  });
});
