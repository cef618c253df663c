import { checkInitiativeSnapshot } from '@ctp/contracts';
import { ALL_LABELLED_PAIRS } from '../../../../../test/fixtures/matching';

/** The labelled set itself: valid, unambiguous, varied. What the matcher makes of it is in matching-quality.spec.ts. */
describe('labelled set (test/fixtures/matching)', () => {
  const pairs = ALL_LABELLED_PAIRS;
  const records = pairs.flatMap((p) => [p.a, p.b]);

  it('has unique pair names', () => {
    const seen = new Set<string>();
    const dup = pairs.map((p) => p.name).filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
    expect(dup).toEqual([]);
  });

  it('holds only contract-valid snapshots', () => {
    const bad = records.flatMap((r) => {
      const check = checkInitiativeSnapshot(r.snapshot);
      return check.ok ? [] : [`${r.snapshot.initiativeId}: ${JSON.stringify(check.problems)}`];
    });
    expect(bad).toEqual([]);
  });

  it('uses one content per initiative id and version (a record re-used across pairs is the same record)', () => {
    const byId = new Map<string, string>();
    const clashes: string[] = [];
    for (const r of records) {
      const json = JSON.stringify(r.snapshot);
      const key = `${r.snapshot.initiativeId}@${r.snapshot.version}`;
      const prior = byId.get(key);
      if (prior !== undefined && prior !== json) clashes.push(key);
      byId.set(key, json);
    }
    expect([...new Set(clashes)]).toEqual([]);
  });

  it('pairs DUPLICATE and OVERLAP across different reporters only', () => {
    const same = pairs.filter(
      (p) => p.expected !== null && p.a.snapshot.reportingOrg.ref === p.b.snapshot.reportingOrg.ref,
    );
    expect(same.map((p) => p.name)).toEqual([]);
  });
});
