import { checkInitiativeSnapshot } from '@ctp/contracts';
import { LABELLED_PAIRS, LabelledRecord, UPDATE_SCENARIO } from '../../../../../test/fixtures/labelled-pairs';
import { canonicalOf, clustersOf } from './clusters';
import { toMatchCandidate } from './match-candidate';
import { comparePair, PairVerdict } from './pair-matcher';

type Label = 'DUPLICATE' | 'OVERLAP' | 'null';
const LABELS: Label[] = ['DUPLICATE', 'OVERLAP', 'null'];
const label = (c: 'DUPLICATE' | 'OVERLAP' | null): Label => c ?? 'null';

const candidateOf = (r: LabelledRecord) => toMatchCandidate(r.snapshot, r.firstReportedAt);
const verdictOf = (a: LabelledRecord, b: LabelledRecord): PairVerdict => comparePair(candidateOf(a), candidateOf(b));

describe('labelled pairs (test/fixtures/labelled-pairs.ts)', () => {
  const records = LABELLED_PAIRS.flatMap((p) => [p.a, p.b]).concat([UPDATE_SCENARIO.bAfter]);

  it('are at least 48, with unique names, and cover every outcome and rule', () => {
    expect(LABELLED_PAIRS.length).toBeGreaterThanOrEqual(48);
    expect(new Set(LABELLED_PAIRS.map((p) => p.name)).size).toBe(LABELLED_PAIRS.length);
    const rules = new Set(LABELLED_PAIRS.map((p) => verdictOf(p.a, p.b).rule));
    expect([...rules].sort()).toEqual(
      ['DECLARED_RELATION', 'EXPLICIT_LINK', 'NOT_BLOCKED', 'PRJ_VETO', 'SAME_REPORTER', 'SCORED'].sort(),
    );
    for (const l of LABELS) expect(LABELLED_PAIRS.some((p) => label(p.expected) === l)).toBe(true);
  });

  it('hold valid snapshots, in the four languages, from hubs, partners and the platform', () => {
    for (const r of records) {
      const check = checkInitiativeSnapshot(r.snapshot);
      if (!check.ok) throw new Error(`${r.snapshot.initiativeId}: ${JSON.stringify(check.problems)}`);
      expect(Date.parse(r.firstReportedAt)).toBeLessThanOrEqual(Date.parse(r.snapshot.lastUpdatedAt));
      if (r.snapshot.reportingOrg.type === 'PARTNER') expect(r.snapshot.reportingOrg.secondaryReporter).toBe(true);
    }
    const langs = new Set(
      records.flatMap((r) => [r.snapshot.title, ...(r.snapshot.titleAlt ?? [])].map((t) => t.lang)),
    );
    expect([...langs].sort()).toEqual(['ar', 'en', 'es', 'fr']);
    const types = new Set(records.map((r) => r.snapshot.reportingOrg.type));
    expect([...types].sort()).toEqual(['HUB', 'PARTNER', 'PLATFORM']);
  });

  // How the shipped model classifies them (with sets a–c) is the quality gate: matching-quality.spec.ts.
  it('get the same verdict both ways', () => {
    for (const p of LABELLED_PAIRS) expect(verdictOf(p.b, p.a)).toEqual(verdictOf(p.a, p.b));
  });

  it('count each labelled duplicate once, under the hub record when there is one', () => {
    const duplicates = LABELLED_PAIRS.filter((p) => p.expected === 'DUPLICATE');
    for (const p of duplicates) {
      const a = candidateOf(p.a);
      const b = candidateOf(p.b);
      const clusters = clustersOf([{ a: a.initiativeId, b: b.initiativeId }]);
      expect(clusters).toEqual([[a.initiativeId, b.initiativeId].sort()]);
      const canonical = canonicalOf([a, b]);
      const hubs = [a, b].filter((c) => c.reporterType === 'HUB');
      if (hubs.length === 1) expect(canonical).toBe(hubs[0].initiativeId);
    }
    const ftf = LABELLED_PAIRS.find((p) => p.name.startsWith('hub–partner regional training on foreign terrorist'))!;
    expect(canonicalOf([candidateOf(ftf.b), candidateOf(ftf.a)])).toBe('IP-HUB-AFR-TRN-2025-031');
  });
});

describe('UPDATE_SCENARIO', () => {
  it('is one record re-dated by its owner: same id, version 2, reported later, into a’s week', () => {
    const { a, bBefore, bAfter } = UPDATE_SCENARIO;
    expect(bAfter.snapshot.initiativeId).toBe(bBefore.snapshot.initiativeId);
    expect(bBefore.snapshot.version).toBe(1);
    expect(bAfter.snapshot.version).toBe(2);
    expect(Date.parse(bAfter.snapshot.lastUpdatedAt)).toBeGreaterThan(Date.parse(bBefore.snapshot.lastUpdatedAt));
    expect(bAfter.firstReportedAt).toBe(bBefore.firstReportedAt);
    expect(checkInitiativeSnapshot(bAfter.snapshot).ok).toBe(true);
    expect(candidateOf(bAfter).start).toBe(candidateOf(a).start);
  });

  it('is not a duplicate before the update and becomes one after it', () => {
    const before = verdictOf(UPDATE_SCENARIO.a, UPDATE_SCENARIO.bBefore);
    expect(before.classification).toBeNull();
    expect(before.rule).toBe('NOT_BLOCKED');
    const after = verdictOf(UPDATE_SCENARIO.a, UPDATE_SCENARIO.bAfter);
    expect(after.classification).toBe('DUPLICATE');
    expect(after.rule).toBe('SCORED');
  });
});
