import type { MatchCandidate } from './match-candidate';

/*
 * Duplicates form clusters (docs/domain.md "Clusters and canonical records"): the connected components of the DUPLICATE pairs, each counted once under its
 * canonical record.
 */

/**
 * Connected components of the given pairs (union–find with path halving and union by size). Each cluster is sorted,
 * and the clusters are ordered by their first member; a pair of a record with itself forms no cluster.
 */
export function clustersOf(pairs: { a: string; b: string }[]): string[][] {
  const parent = new Map<string, string>();
  const size = new Map<string, number>();

  const find = (x: string): string => {
    let r = x;
    for (;;) {
      const p = parent.get(r)!;
      if (p === r) return r;
      const gp = parent.get(p)!;
      parent.set(r, gp);
      r = gp;
    }
  };
  const add = (x: string) => {
    if (!parent.has(x)) {
      parent.set(x, x);
      size.set(x, 1);
    }
  };

  for (const { a, b } of pairs) {
    add(a);
    add(b);
    let ra = find(a);
    let rb = find(b);
    if (ra === rb) continue;
    if (size.get(ra)! < size.get(rb)!) [ra, rb] = [rb, ra];
    parent.set(rb, ra);
    size.set(ra, size.get(ra)! + size.get(rb)!);
  }

  const byRoot = new Map<string, string[]>();
  for (const x of parent.keys()) {
    const r = find(x);
    const members = byRoot.get(r);
    if (members) members.push(x);
    else byRoot.set(r, [x]);
  }
  return [...byRoot.values()]
    .filter((m) => m.length > 1)
    .map((m) => m.sort(compareIds))
    .sort((x, y) => compareIds(x[0], y[0]));
}

/** Code-unit order, the same on every machine and locale (ids are ASCII). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A hub's record first; the platform's own (IP-GS-CTP) next; a partner's last. */
const REPORTER_RANK: Readonly<Record<MatchCandidate['reporterType'], number>> = { HUB: 0, PLATFORM: 1, PARTNER: 2 };

function instant(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/**
 * The record a cluster counts under: a hub record before a partner record, then the earliest first reported, then the
 * smaller id.
 */
export function canonicalOf(members: MatchCandidate[]): string {
  if (members.length === 0) throw new Error('canonicalOf: a cluster has at least one member');
  let best = members[0];
  for (const m of members.slice(1)) {
    const byType = REPORTER_RANK[m.reporterType] - REPORTER_RANK[best.reporterType];
    if (byType < 0) best = m;
    else if (byType === 0) {
      const ta = instant(m.firstReportedAt);
      const tb = instant(best.firstReportedAt);
      if (ta < tb || (ta === tb && compareIds(m.initiativeId, best.initiativeId) < 0)) best = m;
    }
  }
  return best.initiativeId;
}
