import { Inject, Injectable } from '@nestjs/common';
import { EventSources, PlatformEventType } from '@ctp/contracts';
import { newEvent, OutboxWriter, OutgoingEvent } from '@ctp/messaging';
import { CtpLogger, LOGGER } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';
import { canonicalOf, clustersOf } from '../domain/clusters';
import { MatchCandidate, toMatchCandidate } from '../domain/match-candidate';
import { comparePair } from '../domain/pair-matcher';
import { OverlapRepository, PairWrite, StoredCandidate, StoredPair } from '../persistence/overlap.repository';

export const OverlapSubjects = {
  flagged: 'ctp.platform.overlap.flagged.v1',
  cleared: 'ctp.platform.overlap.cleared.v1',
} as const;

const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

export interface OverlapChange {
  pair: StoredPair;
  before: string | null;
}

/**
 * Re-evaluates the records a batch changed against their candidates (found by blocking in the database, so one change
 * is compared with tens of records, not the registry), stores the pairs, recomputes the clusters they touch, and
 * publishes `ctp.overlap.flagged.v1` / `.cleared.v1` for each pair whose effective classification changed. A record
 * re-dated into another's window becomes a duplicate; one edited away, or withdrawn, stops being one.
 */
@Injectable()
export class DetectOverlaps {
  constructor(
    private readonly overlaps: OverlapRepository,
    private readonly outbox: OutboxWriter,
    @Inject(LOGGER) private readonly log: CtpLogger,
  ) {}

  async execute(tx: Transaction, changedIds: string[]): Promise<OverlapChange[]> {
    if (changedIds.length === 0) return [];
    const links = await this.overlaps.candidatesFor(tx, changedIds);
    const records = await this.loadCandidates(tx, [...new Set([...changedIds, ...links.map((l) => l.candidateId)])]);
    const existing = new Map(
      (await this.overlaps.pairsTouching(tx, changedIds)).map((p) => [pairKey(p.aId, p.bId), p]),
    );

    const writes = new Map<string, PairWrite>();
    for (const { changedId, candidateId } of links) {
      const key = pairKey(changedId, candidateId);
      if (writes.has(key)) continue;
      const [aId, bId] = changedId < candidateId ? [changedId, candidateId] : [candidateId, changedId];
      const a = records.get(aId)?.candidate;
      const b = records.get(bId)?.candidate;
      if (!a || !b) continue;
      const v = comparePair(a, b);
      writes.set(key, {
        aId,
        bId,
        classification: v.classification,
        score: round(v.score),
        rule: v.rule,
        signals: v.signals ?? null,
      });
    }
    // Pairs flagged before that are no longer candidates (re-dated, moved, withdrawn): cleared.
    for (const [key, p] of existing) {
      if (writes.has(key) || p.classification === null) continue;
      const withdrawn = [p.aId, p.bId].some((id) => records.get(id)?.stored.withdrawn);
      writes.set(key, {
        aId: p.aId,
        bId: p.bId,
        classification: null,
        score: 0,
        rule: withdrawn ? 'WITHDRAWN' : 'NOT_BLOCKED',
        signals: null,
      });
    }
    const saved = await this.overlaps.savePairs(
      tx,
      [...writes.entries()].filter(([key, w]) => w.classification !== null || existing.has(key)).map(([, w]) => w),
    );
    // A withdrawn record counts nowhere: its pairs stay (with any decision) but are not effective.
    const changes: OverlapChange[] = saved
      .map((pair) => ({ pair, before: existing.get(pairKey(pair.aId, pair.bId))?.effective ?? null }))
      .filter((c) => c.pair.effective !== c.before);

    const touched = new Set<string>(changedIds);
    for (const p of [...saved, ...existing.values()]) {
      touched.add(p.aId);
      touched.add(p.bId);
    }
    const clusterOf = await this.recluster(tx, [...touched], records);
    await this.publish(tx, changes, clusterOf);
    return changes;
  }

  /** Recomputes the clusters of `touched` (whole clusters, not only the touched members) and stores them. */
  async recluster(
    tx: Transaction,
    touched: string[],
    known: Map<string, { stored: StoredCandidate; candidate: MatchCandidate }> = new Map(),
  ): Promise<Map<string, { canonicalId: string; members: string[] }>> {
    const edges = await this.overlaps.duplicateComponents(tx, touched);
    const clusters = clustersOf(edges);
    const members = [...new Set(clusters.flat())];
    const missing = members.filter((id) => !known.has(id));
    const loaded = missing.length ? await this.loadCandidates(tx, missing) : new Map();
    const candidateOf = (id: string) => (known.get(id) ?? loaded.get(id))!.candidate;
    const clusterOf = new Map<string, { canonicalId: string; members: string[] }>();
    for (const c of clusters) {
      const canonicalId = canonicalOf(c.map(candidateOf));
      for (const id of c) clusterOf.set(id, { canonicalId, members: c });
    }
    const ids = [...new Set([...touched, ...members])];
    const before = await this.overlaps.currentClusters(tx, ids);
    const assignments = ids
      .map((id) => ({ id, clusterId: clusterOf.get(id)?.canonicalId ?? null }))
      .filter((a) => (before.get(a.id) ?? null) !== a.clusterId);
    await this.overlaps.setClusters(tx, assignments);
    return clusterOf;
  }

  private async loadCandidates(
    tx: Transaction,
    ids: string[],
  ): Promise<Map<string, { stored: StoredCandidate; candidate: MatchCandidate }>> {
    const rows = await this.overlaps.records(tx, ids);
    return new Map(
      rows.map((r) => [r.initiativeId, { stored: r, candidate: toMatchCandidate(r.snapshot, r.firstReportedAt) }]),
    );
  }

  async publish(
    tx: Transaction,
    changes: OverlapChange[],
    clusterOf: Map<string, { canonicalId: string; members: string[] }>,
  ): Promise<void> {
    if (changes.length === 0) return;
    const events: OutgoingEvent[] = changes.map(({ pair, before }) => {
      const flagged = pair.effective !== null;
      const cluster = clusterOf.get(pair.aId);
      return newEvent({
        source: EventSources.platform,
        type: flagged ? PlatformEventType.OverlapFlagged : PlatformEventType.OverlapCleared,
        subject: flagged ? OverlapSubjects.flagged : OverlapSubjects.cleared,
        about: `overlap-${pair.id}`,
        data: {
          pairId: pair.id,
          initiativeIds: [pair.aId, pair.bId],
          classification: pair.effective ?? before,
          previousClassification: before,
          score: pair.score,
          rule: pair.rule,
          signals: pair.signals,
          decision: pair.decision,
          canonicalId: cluster?.canonicalId ?? null,
          clusterMembers: cluster?.members ?? [],
        },
      });
    });
    await this.outbox.append(tx, events);
    tx.afterCommit(() => {
      for (const { pair, before } of changes) {
        this.log.info({
          msg: pair.effective ? 'overlap flagged' : 'overlap cleared',
          pairId: pair.id,
          initiativeIds: [pair.aId, pair.bId],
          classification: pair.effective,
          previous: before,
          score: pair.score,
          rule: pair.rule,
          canonicalId: clusterOf.get(pair.aId)?.canonicalId,
        });
      }
    });
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
