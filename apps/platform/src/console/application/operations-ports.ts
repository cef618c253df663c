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
  reconciliation?: {
    matched: boolean;
    checkedAt: Date;
    checks: number;
    lastMismatchAt: Date | null;
    /** The last repair's report (`at`, `resent`, `error`, …). */
    lastRepair: unknown;
    repairedTotal: number;
  };
}

export interface SyncReportPort {
  report(): Promise<{ sources: SyncSourceReport[] }>;
}

export interface DetectionBacklogPort {
  detection(): Promise<{ queued: number; oldestQueuedAt: string | null }>;
}

export const SYNC_REPORT = Symbol('CONSOLE_SYNC_REPORT');
export const DETECTION_BACKLOG = Symbol('CONSOLE_DETECTION_BACKLOG');
