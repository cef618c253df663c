import type { SourceReconciliation } from '../../sync/domain/source-reconciliation';

/*
 * What the console reads of other features for GET /console/operations, declared here as ports and bound by the
 * composition root (platform.module.ts) to those features' own use cases, so that the console neither imports their
 * application code nor repeats their SQL: reconciliation's report (the sync feature's SyncStatus, as GET /sync) and
 * detection's backlog (the overlaps feature's OverlapQueries, as GET /overlaps/detection).
 */

/** One source as GET /sync reports it (the fields the console reads). */
export interface SyncSourceReport {
  source: string;
  records?: { records: number; lastEventAt: Date | null; lastReportedAt: Date; highestVersion: number };
  refused: { count: number };
  /** The last check (`lastRepair`: the last repair's report, `at`, `resent`, `error`, …). */
  reconciliation?: Omit<SourceReconciliation, 'source' | 'sourceDigest' | 'platformDigest'>;
}

export interface SyncReportPort {
  report(): Promise<{ sources: SyncSourceReport[] }>;
}

export interface DetectionBacklogPort {
  detection(): Promise<{ queued: number; oldestQueuedAt: string | null }>;
}

export const SYNC_REPORT = Symbol('CONSOLE_SYNC_REPORT');
export const DETECTION_BACKLOG = Symbol('CONSOLE_DETECTION_BACKLOG');
