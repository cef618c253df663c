import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { BoundedCache, EventSources, OverlapEventData, PlatformEventType, Subjects } from '@ctp/contracts';
import { newEvent, OutboxWriter, OutgoingEvent } from '@ctp/messaging';
import { PLATFORM_OUTBOX, PLATFORM_PUBLISHES } from '../../platform-outbox';
import { CtpLogger, LOGGER } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';
import { canonicalOf, clustersOf } from '../domain/clusters';
import { BlockRecord, storedRecordOf } from '../domain/blocking';
import { BlockingIndex } from './blocking-index';
import { MatchCandidate, toMatchCandidate } from '../domain/match-candidate';
import { TimeSlicer } from './time-slicer';
import { CandidateCache } from './candidate-cache';
import { judgePair } from '../domain/pair-matcher';
import { chooseCandidates } from '../domain/candidate-budget';
import { OverlapRepository, PairWrite, StoredCandidate, StoredPair } from '../persistence/overlap.repository';
import { ActiveMatchingModel } from './active-matching-model';

/** The fields of a record canonicalOf reads (clusters.ts). */
type CanonicalField = 'initiativeId' | 'reporterType' | 'firstReportedAt';

/**
 * Values by pair of record ids, either way round, held both ways: looked up per compared pair (millions in a
 * rebuild) without building a key string for each, which was a tenth of a rebuild's detection.
 */
class PairMap<V> {
  private readonly byId = new Map<string, Map<string, V>>();

  get(a: string, b: string): V | undefined {
    return this.byId.get(a)?.get(b);
  }

  has(a: string, b: string): boolean {
    return this.byId.get(a)?.has(b) ?? false;
  }

  set(a: string, b: string, value: V): void {
    this.put(a, b, value);
    this.put(b, a, value);
  }

  private put(a: string, b: string, value: V): void {
    const with_ = this.byId.get(a);
    if (with_) with_.set(b, value);
    else this.byId.set(a, new Map([[b, value]]));
  }
}

export interface OverlapChange {
  pair: StoredPair;
  before: string | null;
}

/**
 * Most candidates one changed record is compared with when the caller does not say (the platform passes
 * DETECTION_MAX_CANDIDATES, whose default this is).
 */
export const DEFAULT_MAX_CANDIDATES_PER_RECORD = 1000;

/**
 * Candidate links (changed record × candidate) found, loaded and compared at a time: a run of DETECTION_MAX_BATCH
 * records over a dense registry has millions, and holding them all with their candidates and verdicts took gigabytes.
 */
export const LINKS_PER_SLICE = 5_000;

/** A changed record that had more candidates than it was compared with (stored in `detection_capped`). */
export interface CappedRecord {
  initiativeId: string;
  /** Candidates found (explicit links and blocking). */
  candidates: number;
  /** Candidates compared (the cap). */
  compared: number;
  cap: number;
}

/** A pair whose effective classification a detection run changed (a flagged or cleared event was written for it). */
export interface DetectedChange {
  pairId: string;
  aId: string;
  bId: string;
  effective: string | null;
  before: string | null;
}

/**
 * Verdicts saved at a time during a run, and flagged/cleared events written at a time after it: the first run over a
 * registry whose records were never compared flags tens of thousands of pairs, and holding them all (verdicts, stored
 * rows, events) at once took gigabytes.
 */
const PAIRS_PER_FLUSH = 2_000;

export interface DetectionResult {
  /** Pairs whose effective classification changed (flagged or cleared events were written for them). */
  changes: DetectedChange[];
  /** Records compared, candidate links found, pairs compared, pairs written, records capped. */
  stats: {
    changed: number;
    candidates: number;
    compared: number;
    written: number;
    capped: number;
    blockingReloaded?: boolean;
  };
  /** Time per stage, for the worker's log line. */
  stagesMs: Record<string, number>;
  /** The changed records that had more candidates than the cap (compared with `cap` of them, flagged). */
  capped: CappedRecord[];
  /** The changed record that took longest (finding its candidates and comparing it with them). */
  slowest?: { initiativeId: string; candidates: number; ms: number };
}

/**
 * Re-evaluates the records a batch changed against their candidates (found by blocking, in memory, so one change
 * is compared with tens of records, not the registry), stores the pairs, recomputes the clusters they touch, and
 * publishes `ctp.overlap.flagged.v1` / `.cleared.v1` for each pair whose effective classification changed. A record
 * re-dated into another's window becomes a duplicate; one edited away, or withdrawn, stops being one.
 */
@Injectable()
export class DetectOverlaps {
  constructor(
    private readonly overlaps: OverlapRepository,
    @Inject(PLATFORM_OUTBOX) private readonly outbox: OutboxWriter,
    @Inject(LOGGER) private readonly log: CtpLogger,
    /** Match candidates kept between runs (see CandidateCache); the consumer adds the versions it applies. */
    readonly cache: CandidateCache,
    /** The matching model in use: read once per run, every pair of the run is scored by it. */
    private readonly models: ActiveMatchingModel,
    /** false in a rebuild: no events, so the changed pairs are not read back to write them. */
    @Optional() @Inject(PLATFORM_PUBLISHES) private readonly publishes: boolean = true,
  ) {}
  /** The blocking rows, in memory (see BlockingIndex). */
  readonly blocking = new BlockingIndex();

  /**
   * `maxCandidates`: most candidates one changed record is compared with; a record with more is compared with that
   * many (chooseCandidates), flagged in `detection_capped`, and its pairs with the others are left as they were.
   * `linksPerSlice`: candidate links found, loaded and compared at a time (LINKS_PER_SLICE; tests make it small).
   */
  async execute(
    tx: Transaction,
    changedIds: string[],
    options: { maxCandidates?: number; linksPerSlice?: number } = {},
  ): Promise<DetectionResult> {
    const failed: { save?: unknown } = {};
    try {
      return await this.run(tx, changedIds, options, failed);
    } catch (err) {
      // A save that failed while the next batch was compared aborts the transaction: the statement after it then
      // fails too ("current transaction is aborted"), and the save's own error is the one worth telling.
      throw failed.save ?? err;
    }
  }

  private async run(
    tx: Transaction,
    changedIds: string[],
    {
      maxCandidates = DEFAULT_MAX_CANDIDATES_PER_RECORD,
      linksPerSlice = LINKS_PER_SLICE,
    }: { maxCandidates?: number; linksPerSlice?: number },
    failed: { save?: unknown },
  ): Promise<DetectionResult> {
    const stats: DetectionResult['stats'] = {
      changed: changedIds.length,
      candidates: 0,
      compared: 0,
      written: 0,
      capped: 0,
    };
    const stages: Record<string, number> = {};
    let lapStart = performance.now();
    const lap = (name: string) => {
      const now = performance.now();
      // Added up: the candidates, load and compare stages come once per slice of the changed records.
      stages[name] = Math.round(((stages[name] ?? 0) + now - lapStart) * 10) / 10;
      lapStart = now;
    };
    if (changedIds.length === 0) return { changes: [], stats, stagesMs: stages, capped: [] };
    // One model for the whole run (an operator may apply another meanwhile: the next run uses it).
    const model = this.models.current().model;
    const slicer = new TimeSlicer();
    const generation = await this.overlaps.nextGeneration(tx);
    if (this.blocking.generation !== generation - 1) {
      this.blocking.load(await this.overlaps.allBlockRecords(tx), generation - 1);
      stats.blockingReloaded = true;
    }
    // Changed below: trusted again only once this transaction has committed.
    this.blocking.generation = undefined;
    lap('blocking');
    // The changed records as they are now: their blocking rows rewritten (those that changed), then their candidates
    // looked up.
    const records = await this.loadCandidates(changedIds, slicer);
    lap('changed');
    const upserted: BlockRecord[] = [];
    const removed: string[] = [];
    const live: MatchCandidate[] = [];
    for (const id of changedIds) {
      const r = records.get(id);
      const isLive = r !== undefined && !r.stored.withdrawn;
      if (isLive) live.push(r.candidate);
      const row = isLive ? storedRecordOf(r.candidate) : undefined;
      if (!this.blocking.replace(id, row)) continue;
      if (row) upserted.push(row);
      else removed.push(id);
    }
    await this.overlaps.changeBlockRecords(tx, upserted, removed);
    lap('entries');
    // The pairs the changed records are in: to clear those that stopped matching, and to re-judge first, when a
    // record is capped, those that are flagged.
    const touching = await this.overlaps.pairsTouching(tx, changedIds);
    const existing = new PairMap<StoredPair>();
    for (const p of touching) existing.set(p.aId, p.bId, p);
    const flaggedWith = new Map<string, Set<string>>();
    for (const p of touching) {
      if (p.classification === null) continue;
      for (const [one, other] of [
        [p.aId, p.bId],
        [p.bId, p.aId],
      ]) {
        const set = flaggedWith.get(one);
        if (set) set.add(other);
        else flaggedWith.set(one, new Set([other]));
      }
    }
    lap('existing');
    const explicit = new Map<string, string[]>();
    for (const l of await this.overlaps.linkedCandidates(
      tx,
      live.map((c) => c.initiativeId),
    )) {
      const list = explicit.get(l.changedId);
      if (list) list.push(l.candidateId);
      else explicit.set(l.changedId, [l.candidateId]);
    }
    const capped: CappedRecord[] = [];
    /** Pairs of a capped record with candidates it was not compared with: kept as they are, not cleared. */
    const kept = new PairMap<true>();
    /** Per changed record: candidates found, and ms spent finding and comparing them (for the slow-run log line). */
    const work = new Map<string, { candidates: number; ms: number }>();
    /**
     * The pairs judged in this run that must be remembered: stored ones (not to clear them) and those between two
     * changed records (found from both sides, compared once). Not every pair compared: most are neither, and holding
     * every verdict of a run (up to DETECTION_MAX_BATCH × the cap) was most of the platform's memory.
     */
    const judged = new PairMap<true>();
    const changedSet = new Set(changedIds);
    /** Candidates seen withdrawn (a withdrawal not detected yet): their pairs are cleared as WITHDRAWN. */
    const withdrawnSeen = new Set<string>();
    for (const [id, r] of records) if (r.stored.withdrawn) withdrawnSeen.add(id);
    /** Written: new pairs the matcher flags, and stored pairs whose verdict changed (not those judged the same). */
    const toWrite: PairWrite[] = [];
    /** Pairs whose effective classification changed, and the records of the pairs written or stored. */
    const changes: DetectedChange[] = [];
    const touched = new Set<string>(changedIds);
    for (const p of touching) {
      touched.add(p.aId);
      touched.add(p.bId);
    }
    /**
     * The verdicts saved a batch at a time, while the next batch is compared: the database writes one batch (on the
     * run's connection) while this thread compares the next, instead of each waiting for the other (a rebuild saves
     * over a million pairs). One batch in flight at most; `wait`: until it is saved (the end of the run).
     */
    let saving: Promise<void> | undefined;
    const flush = async (wait = false) => {
      if (saving) {
        lap('compare');
        await saving;
        saving = undefined;
        lap('save');
      }
      if (toWrite.length > 0) {
        saving = this.overlaps.savePairs(tx, toWrite.splice(0)).then((saved) => {
          for (const pair of saved) {
            stats.written++;
            touched.add(pair.aId);
            touched.add(pair.bId);
            // A withdrawn record counts nowhere: its pairs stay (with any decision) but are not effective.
            const before = existing.get(pair.aId, pair.bId)?.effective ?? null;
            if (pair.effective !== before)
              changes.push({ pairId: pair.id, aId: pair.aId, bId: pair.bId, effective: pair.effective, before });
          }
        });
        // Its failure is thrown where it is awaited (the next flush, or the run's last), and kept for execute().
        saving.catch((err: unknown) => (failed.save ??= err));
      }
      if (wait && saving) {
        lap('compare');
        await saving;
        saving = undefined;
        lap('save');
      }
    };
    /**
     * Candidates the run's slices read, the last ones (bounded): the records of the weeks at the edges of a run's
     * dates are candidates of slice after slice, and each slice read them again (loading a rebuild's candidates at
     * 200,000: 10.7 s, 6.4 s without the second reads). A version read earlier in the run may be one behind: the newer
     * one is queued for detection, and its run judges the pair again.
     */
    const recent = new BoundedCache<string, { stored: StoredCandidate; candidate: MatchCandidate }>(2 * linksPerSlice);
    // The changed records a slice at a time: their candidates found, loaded, compared and let go before the next
    // slice, so that memory holds one slice's candidates (about LINKS_PER_SLICE, and `recent`), not the whole run's.
    let next = 0;
    while (next < live.length) {
      const links: { changedId: string; candidateId: string }[] = [];
      while (next < live.length && links.length < linksPerSlice) {
        const c = live[next++];
        const started = performance.now();
        const blocked = this.blocking.candidateEntries(c);
        const choice = chooseCandidates(
          c,
          explicit.get(c.initiativeId) ?? [],
          blocked.keys(),
          (id) => blocked.get(id) ?? this.blocking.entry(id),
          flaggedWith.get(c.initiativeId) ?? new Set(),
          maxCandidates,
        );
        for (const candidateId of choice.compared) links.push({ changedId: c.initiativeId, candidateId });
        if (choice.capped) {
          capped.push({
            initiativeId: c.initiativeId,
            candidates: choice.total,
            compared: choice.compared.length,
            cap: maxCandidates,
          });
          // Only the stored pairs matter (the others are not cleared anyway): a record over every country may skip
          // most of the registry.
          for (const id of choice.skipped) if (existing.has(c.initiativeId, id)) kept.set(c.initiativeId, id, true);
        }
        work.set(c.initiativeId, { candidates: choice.total, ms: performance.now() - started });
        if (slicer.due()) await slicer.pause();
      }
      stats.candidates += links.length;
      lap('candidates');
      // This slice's candidates: those an earlier slice of the run read (still in `recent`) and the others, read now.
      const slice = new Map<string, { stored: StoredCandidate; candidate: MatchCandidate }>();
      const toRead: string[] = [];
      for (const id of new Set(links.map((l) => l.candidateId))) {
        if (records.has(id)) continue;
        const seen = recent.get(id);
        if (seen) slice.set(id, seen);
        else toRead.push(id);
      }
      for (const [id, r] of await this.loadCandidates(toRead, slicer)) {
        slice.set(id, r);
        recent.set(id, r);
        if (r.stored.withdrawn) withdrawnSeen.add(id);
      }
      const recordOf = (id: string) => records.get(id) ?? slice.get(id);
      lap('load');
      let spentBy: string | undefined;
      let spent: { ms: number } | undefined;
      for (const { changedId, candidateId } of links) {
        // A pair of two changed records is found from both sides: judged once. Any other pair is found once.
        const bothChanged = changedSet.has(candidateId);
        if (bothChanged && judged.has(changedId, candidateId)) continue;
        const stored = existing.get(changedId, candidateId);
        const first = changedId < candidateId;
        const aId = first ? changedId : candidateId;
        const bId = first ? candidateId : changedId;
        const a = recordOf(aId)?.candidate;
        const b = recordOf(bId)?.candidate;
        // Not compared without a snapshot (a stored flag of the pair is then cleared below).
        if (!a || !b) continue;
        if (stored || bothChanged) judged.set(changedId, candidateId, true);
        const started = performance.now();
        // The signals of an unflagged pair only when it is stored (they are compared with the stored ones).
        const v = judgePair(a, b, model, stored !== undefined);
        if (spentBy !== changedId) {
          spentBy = changedId;
          spent = work.get(changedId);
        }
        if (spent) spent.ms += performance.now() - started;
        stats.compared++;
        // Written: a new pair the matcher flags, a stored pair whose verdict changed (most pairs are neither).
        if (stored || v.classification !== null) {
          const w: PairWrite = {
            aId,
            bId,
            classification: v.classification,
            score: round(v.score),
            rule: v.rule,
            signals: v.signals ?? null,
          };
          if (!stored || verdictChanged(stored, w)) toWrite.push(w);
          if (toWrite.length >= PAIRS_PER_FLUSH) await flush();
        }
        if (slicer.due()) await slicer.pause();
      }
      lap('compare');
    }
    await this.overlaps.setCapped(tx, changedIds, capped);
    tx.afterCommit(() => (this.blocking.generation = generation));
    stats.capped = capped.length;
    // Pairs flagged before that are no longer candidates (re-dated, moved, withdrawn): cleared. Not those of a capped
    // record with the candidates it was not compared with: they are still candidates, their verdict is kept.
    for (const p of touching) {
      if (p.classification === null || judged.has(p.aId, p.bId) || kept.has(p.aId, p.bId)) continue;
      const withdrawn = withdrawnSeen.has(p.aId) || withdrawnSeen.has(p.bId);
      toWrite.push({
        aId: p.aId,
        bId: p.bId,
        classification: null,
        score: 0,
        rule: withdrawn ? 'WITHDRAWN' : 'NOT_BLOCKED',
        signals: null,
      });
    }
    await flush(true);
    lap('compare');
    // A rebuild (publishing nothing) re-clusters once, after its last run (reclusterAll): the clusters are read by no
    // one meanwhile, and walking each run's duplicate edges was a fifth of its detection time with 200,000 records.
    const clusterOf = this.publishes ? await this.recluster(tx, [...touched], records) : new Map();
    lap('recluster');
    // The events a slice of the changes at a time, each slice's pairs read back as saved (none in a rebuild).
    for (let i = 0; this.publishes && i < changes.length; i += PAIRS_PER_FLUSH) {
      const slice = changes.slice(i, i + PAIRS_PER_FLUSH);
      const pairs = new Map(
        (
          await this.overlaps.pairsByIds(
            tx,
            slice.map((c) => c.pairId),
          )
        ).map((p) => [p.id, p]),
      );
      await this.publish(
        tx,
        slice.flatMap((c) => {
          const pair = pairs.get(c.pairId);
          return pair ? [{ pair, before: c.before }] : [];
        }),
        clusterOf,
      );
    }
    lap('publish');
    let slowest: DetectionResult['slowest'];
    for (const [initiativeId, w] of work)
      if (!slowest || w.ms > slowest.ms) slowest = { initiativeId, candidates: w.candidates, ms: Math.round(w.ms) };
    return { changes, stats, stagesMs: stages, capped, slowest };
  }

  /**
   * Loads the blocking index unless it is current (the caller holds the detection lock): at start, so that the first
   * run after a start — the first change the platform detects — does not wait for the whole registry to be read
   * (seconds with 200,000 records). Says whether it loaded.
   */
  async warm(tx: Transaction): Promise<boolean> {
    const generation = await this.overlaps.currentGeneration(tx);
    if (this.blocking.generation === generation) return false;
    this.blocking.load(await this.overlaps.allBlockRecords(tx), generation);
    return true;
  }

  /** Recomputes the clusters of `touched` (whole clusters, not only the touched members) and stores them. */
  async recluster(
    tx: Transaction,
    touched: string[],
    known: Map<string, { stored: StoredCandidate; candidate: MatchCandidate }> = new Map(),
  ): Promise<Map<string, { canonicalId: string; members: string[] }>> {
    const edges = await this.overlaps.duplicateComponents(tx, touched);
    return this.storeClusters(tx, edges, touched, known);
  }

  /**
   * Recomputes every cluster of the registry from its DUPLICATE pairs in one go and stores what changed: what a
   * rebuild does after its last detection run (the clusters then are those the runs would have stored one by one:
   * both are a function of the same pairs). Returns how many records' clusters it changed.
   */
  async reclusterAll(tx: Transaction): Promise<number> {
    const edges = await this.overlaps.allDuplicateEdges(tx);
    const clusteredBefore = await this.overlaps.clusteredIds(tx);
    return (await this.storeClusters(tx, edges, clusteredBefore)).changed;
  }

  private async storeClusters(
    tx: Transaction,
    edges: { a: string; b: string }[],
    touched: string[],
    known: Map<string, { stored: StoredCandidate; candidate: MatchCandidate }> = new Map(),
  ): Promise<Map<string, { canonicalId: string; members: string[] }> & { changed: number }> {
    const clusters = clustersOf(edges);
    const members = [...new Set(clusters.flat())];
    const missing = members.filter((id) => !known.has(id));
    // What the canonical choice reads of a member (its reporter's type, when it was first reported, its id), read from
    // the registry's columns: loading every member's snapshot after a run that flagged tens of thousands of pairs
    // was hundreds of megabytes at once.
    const facts = new Map(
      (missing.length ? await this.overlaps.canonicalFacts(tx, missing) : []).map((f) => [f.initiativeId, f]),
    );
    const candidateOf = (id: string) =>
      known.get(id)?.candidate ?? (facts.get(id) as Pick<MatchCandidate, CanonicalField> as MatchCandidate);
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
    return Object.assign(clusterOf, { changed: assignments.length });
  }

  private async loadCandidates(
    ids: string[],
    slicer = new TimeSlicer(),
  ): Promise<Map<string, { stored: StoredCandidate; candidate: MatchCandidate }>> {
    if (ids.length === 0) return new Map();
    // Outside the run's transaction (the registry's committed rows, which detection does not write), so that loading
    // a slice's candidates does not wait for the batch of pairs being saved on the run's connection.
    const stored = await this.overlaps.records(null, ids);
    const out = new Map<string, { stored: StoredCandidate; candidate: MatchCandidate }>();
    const missing: StoredCandidate[] = [];
    for (const r of stored) {
      const candidate = this.cache.get(r.initiativeId, r.version, r.firstReportedAt);
      if (candidate) out.set(r.initiativeId, { stored: r, candidate });
      else missing.push(r);
    }
    const snapshots = await this.overlaps.snapshots(
      null,
      missing.map((r) => r.initiativeId),
    );
    for (const r of missing) {
      const snapshot = snapshots.get(r.initiativeId);
      if (!snapshot) continue;
      const candidate = toMatchCandidate(snapshot, r.firstReportedAt);
      this.cache.set(r.initiativeId, r.version, r.firstReportedAt, candidate);
      out.set(r.initiativeId, { stored: r, candidate });
      if (slicer.due()) await slicer.pause();
    }
    return out;
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
      const type = flagged ? PlatformEventType.OverlapFlagged : PlatformEventType.OverlapCleared;
      return newEvent<OverlapEventData>({
        source: EventSources.platform,
        type,
        subject: Subjects.platformEvent(type),
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
    // What the log lines say, taken now: the closure holds these until commit, not the pairs and their signals.
    const lines = changes.map(({ pair, before }) => ({
      msg: pair.effective ? 'overlap flagged' : 'overlap cleared',
      pairId: pair.id,
      initiativeIds: [pair.aId, pair.bId],
      classification: pair.effective,
      previous: before,
      score: pair.score,
      rule: pair.rule,
      canonicalId: clusterOf.get(pair.aId)?.canonicalId,
    }));
    tx.afterCommit(() => {
      for (const line of lines) this.log.info(line);
    });
  }
}

/** Whether the matcher's new verdict differs from the stored one (classification, score, rule or signals). */
function verdictChanged(stored: StoredPair, next: PairWrite): boolean {
  return (
    stored.classification !== next.classification ||
    stored.score !== next.score ||
    stored.rule !== next.rule ||
    !sameJson(stored.signals ?? null, next.signals ?? null)
  );
}

/** Deep equality of JSON values, whatever the key order (jsonb gives keys back in its own order). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameJson(v, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
