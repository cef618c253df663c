import { OutboxWriter } from '@ctp/messaging';
import { CtpLogger } from '@ctp/observability';
import { Transaction } from '@ctp/persistence';
import { MatchCandidate } from '../domain/match-candidate';
import { MatchingModel } from '../domain/matching-model';
import { SHIPPED_MODEL } from '../domain/matching-model.shipped';
import { OverlapRepository, PairWrite, StoredPair } from '../persistence/overlap.repository';
import { ActiveMatchingModel, ModelInUse } from './active-matching-model';
import { CandidateCache } from './candidate-cache';
import { DetectOverlaps, sameJson } from './detect-overlaps';

describe('sameJson (stored signals against the matcher’s new ones)', () => {
  it('ignores key order, as jsonb hands keys back in its own order', () => {
    expect(
      sameJson(
        { title: 0.8, dates: { overlapDays: 3, gapDays: 0 } },
        { dates: { gapDays: 0, overlapDays: 3 }, title: 0.8 },
      ),
    ).toBe(true);
  });

  it('treats an undefined key as absent (JSON.stringify drops it)', () => {
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
  });

  it.each<[unknown, unknown]>([
    [{ title: 0.8 }, { title: 0.81 }],
    [{ title: 0.8 }, { title: 0.8, kind: 1 }],
    [
      [1, 2],
      [2, 1],
    ],
    [[1], { 0: 1 }],
    [null, {}],
    ['0.8', 0.8],
  ])('tells %j from %j', (a, b) => {
    expect(sameJson(a, b)).toBe(false);
  });
});

/** A model whose every signal weighs nothing: every pair it scores gets `intercept`, whatever the pair. */
const flatModel = (intercept: number): MatchingModel => ({
  ...SHIPPED_MODEL,
  weights: Object.fromEntries(Object.keys(SHIPPED_MODEL.weights).map((k) => [k, 0])) as MatchingModel['weights'],
  intercept,
  overlap: undefined,
});

describe('DetectOverlaps with a cap on candidates', () => {
  const candidate = (id: string, over: Partial<MatchCandidate> = {}): MatchCandidate => ({
    initiativeId: id,
    reporterRef: id.split('-').slice(0, -1).join('-'),
    reporterType: id.startsWith('PT-') ? 'PARTNER' : 'HUB',
    kind: 'TRN',
    titles: [{ lang: 'en', text: `Course ${id}` }],
    countries: ['KE'],
    primaryStream: 'IDENTIFICATION',
    secondaryStreams: [],
    start: '2027-03-10',
    end: '2027-03-12',
    participatingOrgRefs: [],
    funderRefs: [],
    related: [],
    otherIdentifiers: [],
    firstReportedAt: '2027-01-01T00:00:00.000Z',
    ...over,
  });
  const broad = candidate('PT-UNODC-1', { countries: ['KE', 'UG'], start: '2020-01-01', end: '2029-12-31' });
  const courses = Array.from({ length: 5 }, (_, i) => candidate(`IP-HUB-AFR-${i}`));

  /** Detection over an in-memory repository: every record's candidate cached, the pairs given. */
  function setUp(
    records: MatchCandidate[],
    pairs: Partial<StoredPair>[],
    model: MatchingModel = SHIPPED_MODEL,
    publishes = true,
    overrides: Partial<Record<keyof OverlapRepository, unknown>> = {},
  ) {
    const cache = new CandidateCache(Math.max(100, records.length));
    for (const c of records) cache.set(c.initiativeId, 1, c.firstReportedAt, c);
    const saved: PairWrite[] = [];
    const savedRows = new Map<string, StoredPair>();
    const events: unknown[] = [];
    const readBack: string[] = [];
    const capped: unknown[] = [];
    const stored = pairs.map((p, i) => ({
      id: String(i + 1),
      classification: 'OVERLAP',
      effective: 'OVERLAP',
      score: 0.7,
      rule: 'SCORED',
      signals: null,
      decision: null,
      ...p,
    })) as StoredPair[];
    const repository = {
      nextGeneration: async () => 1,
      allBlockRecords: async () => records.filter((c) => c !== records[0]),
      changeBlockRecords: async () => undefined,
      records: async (_: Transaction, ids: string[]) =>
        ids.map((initiativeId) => ({
          initiativeId,
          version: 1,
          firstReportedAt: '2027-01-01T00:00:00.000Z',
          withdrawn: false,
        })),
      snapshots: async () => new Map(),
      pairsTouching: async (_: Transaction, ids: string[]) =>
        stored.filter((p) => ids.includes(p.aId) || ids.includes(p.bId)),
      linkedCandidates: async () => [],
      setCapped: async (_: Transaction, __: string[], c: unknown[]) => void capped.push(...c),
      savePairs: async (_: Transaction, writes: PairWrite[]) => {
        saved.push(...writes);
        const rows = writes.map(
          (w) => ({ ...w, id: `w${savedRows.size}`, effective: w.classification }) as unknown as StoredPair,
        );
        for (const r of rows) savedRows.set(r.id, r);
        return rows;
      },
      pairsByIds: async (_: Transaction, ids: string[]) => {
        readBack.push(...ids);
        return ids.flatMap((id) => savedRows.get(id) ?? []);
      },
      duplicateComponents: async () => [],
      currentClusters: async () => new Map(),
      setClusters: async () => undefined,
      ...overrides,
    } as unknown as OverlapRepository;
    const log = { info: () => undefined } as unknown as CtpLogger;
    const outbox = {
      append: async (_: Transaction, written: unknown[]) => void events.push(...written),
    } as unknown as OutboxWriter;
    const reads: ModelInUse[] = [];
    const models = {
      current: () => {
        const inUse: ModelInUse = { model, source: model === SHIPPED_MODEL ? 'shipped' : 'applied' };
        reads.push(inUse);
        return inUse;
      },
    } as unknown as ActiveMatchingModel;
    const detect = new DetectOverlaps(repository, outbox, log, cache, models, publishes);
    const tx = { afterCommit: () => undefined } as unknown as Transaction;
    return { detect, tx, saved, capped, reads, events, readBack };
  }

  it('compares a record with `cap` candidates, flags it, and keeps its pairs with the others as they were', async () => {
    const pairs = courses.map((c) => ({ aId: c.initiativeId, bId: broad.initiativeId }));
    const { detect, tx, saved, capped } = setUp([broad, ...courses], pairs);
    const result = await detect.execute(tx, [broad.initiativeId], { maxCandidates: 2 });
    expect(result.stats).toMatchObject({ changed: 1, candidates: 2, compared: 2, capped: 1 });
    expect(result.capped).toEqual([{ initiativeId: broad.initiativeId, candidates: 5, compared: 2, cap: 2 }]);
    expect(capped).toEqual(result.capped);
    expect(result.slowest).toMatchObject({ initiativeId: broad.initiativeId, candidates: 5 });
    // Nothing cleared for not having been compared: the two compared are re-judged, the three others untouched.
    expect(saved.filter((w) => w.rule === 'NOT_BLOCKED')).toEqual([]);
    expect(new Set(saved.map((w) => w.aId)).size).toBeLessThanOrEqual(2);
  });

  it('clears the pairs of a record that no longer meets them when it is under the cap', async () => {
    const moved = { ...broad, countries: ['FJ'] };
    const pairs = courses.map((c) => ({ aId: c.initiativeId, bId: broad.initiativeId }));
    const { detect, tx, saved, capped } = setUp([moved, ...courses], pairs);
    const result = await detect.execute(tx, [broad.initiativeId], { maxCandidates: 2 });
    expect(result.capped).toEqual([]);
    expect(capped).toEqual([]);
    expect(saved.map((w) => [w.aId, w.rule]).sort()).toEqual(courses.map((c) => [c.initiativeId, 'NOT_BLOCKED']));
  });

  it('scores every pair of a run by the model in use, read once for the run', async () => {
    // Every signal weighs nothing and the intercept alone is the score: whatever the pair, an OVERLAP at 0.7.
    const flat: MatchingModel = { ...flatModel(0.7), version: 'refit-test' };
    const { detect, tx, saved, reads, events } = setUp([broad, ...courses], [], flat);
    const result = await detect.execute(tx, [broad.initiativeId], { maxCandidates: 10 });
    expect(result.stats.compared).toBe(courses.length);
    // Each newly flagged pair published once (read back as saved).
    expect(result.changes).toHaveLength(courses.length);
    expect(events).toHaveLength(courses.length);
    expect(reads).toHaveLength(1);
    expect(saved).toHaveLength(courses.length);
    for (const w of saved) {
      expect(w).toMatchObject({ classification: 'OVERLAP', score: 0.7, rule: 'SCORED' });
      expect((w.signals as { model: string }).model).toBe('refit-test');
    }
  });

  it('in an instance that publishes nothing (a rebuild): the same pairs saved, none read back for events', async () => {
    // Every pair an OVERLAP at 0.7 (the intercept alone), so that every candidate's pair is newly flagged.
    const flat = flatModel(0.7);
    const live = setUp([broad, ...courses], [], flat);
    const rebuild = setUp([broad, ...courses], [], flat, false);
    const [a, b] = [
      await live.detect.execute(live.tx, [broad.initiativeId], { maxCandidates: 10 }),
      await rebuild.detect.execute(rebuild.tx, [broad.initiativeId], { maxCandidates: 10 }),
    ];
    expect(rebuild.saved).toEqual(live.saved);
    expect(b.changes).toEqual(a.changes);
    expect(a.changes).toHaveLength(courses.length);
    expect([live.readBack.length, live.events.length]).toEqual([courses.length, courses.length]);
    expect([rebuild.readBack, rebuild.events]).toEqual([[], []]);
  });

  it('judges the same pairs whether the changed records are compared a slice at a time or all at once', async () => {
    // Records changed together that are each other's candidates (compared once), a stored flag that no longer
    // matches (cleared once), over slices of one link.
    const moved = { ...courses[0], countries: ['FJ'] };
    const records = [broad, moved, ...courses.slice(1), candidate('PT-UNODC-2')];
    const changed = [broad.initiativeId, courses[0].initiativeId, courses[1].initiativeId, 'PT-UNODC-2'];
    const pairs = [{ aId: courses[0].initiativeId, bId: broad.initiativeId }];
    const runs = [];
    for (const linksPerSlice of [1, 1000]) {
      const { detect, tx, saved } = setUp(records, pairs);
      const result = await detect.execute(tx, changed, { maxCandidates: 100, linksPerSlice });
      runs.push({ stats: result.stats, saved: saved.map((w) => JSON.stringify(w)).sort() });
    }
    expect(runs[0]).toEqual(runs[1]);
    const keys = runs[0].saved.map((w) => JSON.parse(w) as PairWrite).map((w) => `${w.aId} ${w.bId}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(runs[0].saved.filter((w) => w.includes('NOT_BLOCKED'))).toHaveLength(1);
  });

  it("fails the run with the error of a later slice's candidates that could not be read", async () => {
    // Two changed partner records, each a slice of its own: the courses are the candidates of both.
    let reads = 0;
    const other = candidate('PT-UNODC-2');
    const { detect, tx } = setUp([broad, ...courses, other], [], flatModel(0.7), true, {
      records: async (_: Transaction, ids: string[]) => {
        // The first read is the changed records, the second the first slice's candidates, the third the next slice's.
        if (++reads === 3) throw new Error('Connection terminated unexpectedly');
        return ids.map((initiativeId) => ({
          initiativeId,
          version: 1,
          firstReportedAt: '2027-01-01T00:00:00.000Z',
          withdrawn: false,
        }));
      },
    });
    await expect(detect.execute(tx, [broad.initiativeId, other.initiativeId], { linksPerSlice: 1 })).rejects.toThrow(
      'Connection terminated unexpectedly',
    );
    expect(reads).toBe(3);
  });

  it('reads a candidate once per run when slice after slice meets it, and judges as with one slice', async () => {
    // Two changed partner records, a slice each: the same five courses are the candidates of both.
    const other = candidate('PT-UNODC-2');
    const runs = [];
    for (const linksPerSlice of [5, 1000]) {
      const read: string[][] = [];
      const { detect, tx, saved } = setUp([broad, ...courses, other], [], flatModel(0.7), true, {
        records: async (_: Transaction, ids: string[]) => {
          read.push([...ids].sort());
          return ids.map((initiativeId) => ({
            initiativeId,
            version: 1,
            firstReportedAt: '2027-01-01T00:00:00.000Z',
            withdrawn: false,
          }));
        },
      });
      const result = await detect.execute(tx, [broad.initiativeId, other.initiativeId], { linksPerSlice });
      runs.push({ read, stats: result.stats, saved: saved.map((w) => JSON.stringify(w)).sort() });
    }
    const courseIds = courses.map((c) => c.initiativeId).sort();
    // The changed records, then the courses once (not again for the second slice).
    expect(runs[0].read).toEqual([[broad.initiativeId, other.initiativeId].sort(), courseIds]);
    expect(runs[0].stats).toEqual(runs[1].stats);
    expect(runs[0].saved).toEqual(runs[1].saved);
    expect(runs[0].stats.compared).toBe(2 * courses.length);
  });

  it('tells the error of a save that failed while the next pairs were compared, not the statement after it', async () => {
    // Every pair an OVERLAP at 0.7, and more candidates than one batch of saves: the first batch is saved while the
    // rest are compared. The database then refuses the transaction's next statement, as PostgreSQL does.
    const flat = flatModel(0.7);
    const many = Array.from({ length: 2_100 }, (_, i) => candidate(`IP-HUB-AFR-m${i}`));
    let aborted = false;
    const refuseAfterAbort = async () => {
      if (aborted) throw new Error('current transaction is aborted, commands ignored until end of transaction block');
    };
    const { detect, tx } = setUp([broad, ...many], [], flat, true, {
      savePairs: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        aborted = true;
        throw new Error('duplicate key value violates unique constraint "overlap_pairs_a_id_b_id_key"');
      },
      // After a turn of the event loop, as the database answers: the save's failure (also a turn away) comes first.
      setCapped: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        await refuseAfterAbort();
      },
      duplicateComponents: async () => {
        await refuseAfterAbort();
        return [];
      },
    });
    await expect(detect.execute(tx, [broad.initiativeId], { maxCandidates: 5_000 })).rejects.toThrow(
      'overlap_pairs_a_id_b_id_key',
    );
    expect(aborted).toBe(true);
  });

  it('re-clusters after each run live; in a rebuild not until reclusterAll, which stores every cluster at once', async () => {
    // Every pair a DUPLICATE (the intercept alone, above the cut): the changed record and the courses are one cluster.
    const flat = flatModel(0.99);
    const walks: string[][] = [];
    const stored = new Map<string, string>([['IP-HUB-MDE-gone', 'IP-HUB-MDE-gone']]);
    const edges = courses.map((c) => ({ a: c.initiativeId, b: broad.initiativeId }));
    const overrides = {
      duplicateComponents: async (_: Transaction, ids: string[]) => {
        walks.push(ids);
        return edges;
      },
      allDuplicateEdges: async () => edges,
      clusteredIds: async () => [...stored.keys()],
      canonicalFacts: async (_: Transaction, ids: string[]) =>
        ids.map((initiativeId) => ({
          initiativeId,
          reporterType: initiativeId.startsWith('PT-') ? 'PARTNER' : 'HUB',
          firstReportedAt: '2027-01-01T00:00:00.000Z',
        })),
      currentClusters: async (_: Transaction, ids: string[]) => new Map(ids.map((id) => [id, stored.get(id) ?? null])),
      setClusters: async (_: Transaction, assignments: { id: string; clusterId: string | null }[]) => {
        for (const a of assignments)
          if (a.clusterId) stored.set(a.id, a.clusterId);
          else stored.delete(a.id);
      },
    };
    const live = setUp([broad, ...courses], [], flat, true, overrides);
    await live.detect.execute(live.tx, [broad.initiativeId], { maxCandidates: 10 });
    expect(walks).toHaveLength(1);
    const liveClusters = new Map(stored);
    stored.clear();
    stored.set('IP-HUB-MDE-gone', 'IP-HUB-MDE-gone');
    const rebuild = setUp([broad, ...courses], [], flat, false, overrides);
    const result = await rebuild.detect.execute(rebuild.tx, [broad.initiativeId], { maxCandidates: 10 });
    expect(result.changes.map((c) => c.effective)).toEqual(courses.map(() => 'DUPLICATE'));
    expect(walks).toHaveLength(1);
    expect(stored).toEqual(new Map([['IP-HUB-MDE-gone', 'IP-HUB-MDE-gone']]));
    // Once, from every pair: the same clusters as live, and a cluster of no pair any more gone.
    expect(await rebuild.detect.reclusterAll(rebuild.tx)).toBe(courses.length + 2);
    liveClusters.delete('IP-HUB-MDE-gone');
    expect(stored).toEqual(liveClusters);
    expect(stored.size).toBe(courses.length + 1);
  });
});
