import type { InitiativeSnapshot } from '@ctp/contracts';
import { contentHash, PublishedVersions, StoredVersion } from './published-versions';

/** Only the fields the fold reads, plus a content field that differs between versions. */
function snap(localId: string, version: number, description = `v${version}`, withdrawn = false): InitiativeSnapshot {
  return {
    initiativeId: `IP-HUB-AFR-${localId}`,
    version,
    description: { lang: 'en', text: description },
    ...(withdrawn ? { withdrawal: { reason: 'in error', withdrawnAt: '2026-12-01T00:00:00Z' } } : {}),
  } as unknown as InitiativeSnapshot;
}

function stored(...snapshots: InitiativeSnapshot[]): Map<string, StoredVersion> {
  return new Map(snapshots.map((s) => [s.initiativeId, { version: s.version, snapshot: s }]));
}

describe('PublishedVersions', () => {
  it('re-imports the newest published snapshot of records the database holds at an older version or not at all', () => {
    const p = new PublishedVersions('IP-HUB-AFR-');
    p.add(10, snap('a', 1));
    p.add(11, snap('a', 2));
    p.add(12, snap('b', 1));
    p.add(13, snap('a', 3, 'v3', true));
    p.add(14, snap('c', 1));
    const plan = p.plan(stored(snap('a', 1), snap('c', 1)));
    expect(plan.reimport.map((s) => [s.initiativeId, s.version])).toEqual([
      ['IP-HUB-AFR-a', 3],
      ['IP-HUB-AFR-b', 1],
    ]);
    expect(plan.reimport[0].withdrawal).toBeDefined();
    expect(plan.conflicts).toEqual([]);
    expect(p.lastSeq).toBe(14);
    expect(p.events).toBe(5);
  });

  it('keeps the newest version whatever order the events come in (a re-published record after a newer one)', () => {
    const p = new PublishedVersions('IP-HUB-AFR-');
    p.add(20, snap('a', 4));
    p.add(21, snap('a', 2));
    expect(p.plan(new Map()).reimport.map((s) => s.version)).toEqual([4]);
  });

  it('leaves alone a database at or ahead of the stream (its newer events are still in its outbox)', () => {
    const p = new PublishedVersions('IP-HUB-AFR-');
    p.add(1, snap('a', 2));
    p.add(2, snap('b', 1));
    expect(p.plan(stored(snap('a', 5), snap('b', 1)))).toEqual({ reimport: [], conflicts: [] });
  });

  it('reports a version published with two contents, in the stream or against the database, and repairs neither', () => {
    const p = new PublishedVersions('IP-HUB-AFR-');
    p.add(1, snap('a', 1, 'first'));
    p.add(2, snap('a', 1, 'first')); // a re-publication for reconciliation: same content, no conflict
    p.add(3, snap('a', 2, 'one'));
    p.add(4, snap('a', 2, 'another'));
    p.add(5, snap('b', 3, 'published'));
    const plan = p.plan(stored(snap('a', 2, 'one'), snap('b', 3, 'stored')));
    expect(plan.reimport).toEqual([]);
    expect(plan.conflicts).toEqual([
      { initiativeId: 'IP-HUB-AFR-a', version: 2, seenIn: 'stream' },
      { initiativeId: 'IP-HUB-AFR-b', version: 3, seenIn: 'database' },
    ]);
  });

  it("skips what is not a snapshot of this hub's own records (poison, another owner's id, no version)", () => {
    const p = new PublishedVersions('IP-HUB-AFR-');
    p.add(1, undefined);
    p.add(2, { initiativeId: 'IP-HUB-EUR-x', version: 1 });
    p.add(3, { initiativeId: 'IP-HUB-AFR-x', version: 0 });
    p.add(4, { initiativeId: 'IP-HUB-AFR-x', version: '2' });
    p.add(5, 'text');
    expect({ events: p.events, skipped: p.skipped, lastSeq: p.lastSeq }).toEqual({ events: 0, skipped: 5, lastSeq: 5 });
    expect(p.plan(new Map())).toEqual({ reimport: [], conflicts: [] });
  });

  it('compares contents whatever the order of their keys (jsonb stores them in its own order)', () => {
    expect(contentHash({ a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(
      contentHash({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }),
    );
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
  });
});
