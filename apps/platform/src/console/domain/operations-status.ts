/*
 * GET /console/operations: green / amber / red for each thing an operator watches, by the thresholds below (one place,
 * documented in docs/architecture.md "Console"). Green: nothing to do. Amber: look at it soon (a backlog building up,
 * a refusal to read, a digest that is late). Red: act now (not in sync, unreachable, a backlog that does not drain).
 */

export type Status = 'green' | 'amber' | 'red';

const RANK: Record<Status, number> = { green: 0, amber: 1, red: 2 };

/** The worst of `statuses` (green for none). */
export function worst(statuses: readonly Status[]): Status {
  return statuses.reduce<Status>((w, s) => (RANK[s] > RANK[w] ? s : w), 'green');
}

export const THRESHOLDS = {
  /** A durable consumer: messages not yet delivered plus delivered and not acknowledged. */
  consumer: { amberBacklog: 1_000, redBacklog: 10_000 },
  /** Duplicate detection: records queued, and how long the oldest has waited. */
  detection: { amberBacklog: 1_000, redBacklog: 10_000, amberAgeSeconds: 30, redAgeSeconds: 300 },
  /** Dead letters: any is amber; red while the dead-letter stream was written to within this many seconds. */
  deadLetters: { redWithinSeconds: 3_600 },
  /** A source's digests: amber when none came for this long (the sources send one at least every 15 minutes). */
  source: { staleAfterSeconds: 1_800 },
  /** A service's outbox: rows not yet accepted by the broker, and the oldest one's age (every service exports both). */
  outbox: { amberBacklog: 1_000, redBacklog: 10_000, amberAgeSeconds: 30, redAgeSeconds: 300 },
} as const;

function byLevel(value: number, amber: number, red: number): Status {
  return value >= red ? 'red' : value >= amber ? 'amber' : 'green';
}

/** Red: the broker could not be asked about it, or its backlog is at least `redBacklog`; amber from `amberBacklog`. */
export function consumerStatus(c: { pending?: number; ackPending?: number; error?: string }): Status {
  if (c.error !== undefined || c.pending === undefined) return 'red';
  const t = THRESHOLDS.consumer;
  return byLevel(c.pending + (c.ackPending ?? 0), t.amberBacklog, t.redBacklog);
}

export function detectionStatus(d: { backlog: number; oldestQueuedAgeSeconds?: number }): Status {
  const t = THRESHOLDS.detection;
  return worst([
    byLevel(d.backlog, t.amberBacklog, t.redBacklog),
    byLevel(d.oldestQueuedAgeSeconds ?? 0, t.amberAgeSeconds, t.redAgeSeconds),
  ]);
}

/**
 * Green without dead letters; red when the stream could not be read, or some are there and it was written to within
 * the last hour (a new one — or a re-drive record); amber otherwise (older ones still waiting for an operator).
 */
export function deadLetterStatus(d: { count?: number; lastWrittenAgeSeconds?: number; error?: string }): Status {
  if (d.error !== undefined || d.count === undefined) return 'red';
  if (d.count === 0) return 'green';
  const age = d.lastWrittenAgeSeconds;
  return age !== undefined && age < THRESHOLDS.deadLetters.redWithinSeconds ? 'red' : 'amber';
}

/** Where reconciliation stands with one source. */
export type SourceState = 'MATCHED' | 'REPAIRING' | 'MISMATCHED' | 'STALE' | 'NOT_CHECKED';

export interface SourceFacts {
  /** Its last digest, compared: absent when none came yet. */
  matched?: boolean;
  checkedAgeSeconds?: number;
  /** The last repair after the last mismatch: absent when none; `failed` when it reported an error. */
  repairAfterMismatch?: { failed: boolean };
  refused: number;
}

export function sourceState(s: SourceFacts): SourceState {
  if (s.matched === undefined) return 'NOT_CHECKED';
  if (!s.matched) return s.repairAfterMismatch && !s.repairAfterMismatch.failed ? 'REPAIRING' : 'MISMATCHED';
  return (s.checkedAgeSeconds ?? 0) >= THRESHOLDS.source.staleAfterSeconds ? 'STALE' : 'MATCHED';
}

/**
 * Red: its last digest disagreed and no repair followed (or it failed). Amber: a repair is under way, no digest yet,
 * the last one is older than `staleAfterSeconds`, or records of it were refused for their content. Green otherwise.
 */
export function sourceStatus(s: SourceFacts): Status {
  const state = sourceState(s);
  if (state === 'MISMATCHED') return 'red';
  if (state !== 'MATCHED' || s.refused > 0) return 'amber';
  return 'green';
}

/** Red: unreachable or not ready; its outbox by THRESHOLDS.outbox; amber when its metrics could not be read. */
export function serviceStatus(s: {
  reachable: boolean;
  ready: boolean;
  outboxBacklog?: number;
  oldestUnsentAgeSeconds?: number;
  metricsError?: string;
}): Status {
  if (!s.reachable || !s.ready) return 'red';
  const t = THRESHOLDS.outbox;
  return worst([
    s.metricsError !== undefined ? 'amber' : 'green',
    byLevel(s.outboxBacklog ?? 0, t.amberBacklog, t.redBacklog),
    byLevel(s.oldestUnsentAgeSeconds ?? 0, t.amberAgeSeconds, t.redAgeSeconds),
  ]);
}
