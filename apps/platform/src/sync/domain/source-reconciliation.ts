/** The last reconciliation of one source, as `sync_sources` keeps it. */
export interface SourceReconciliation {
  source: string;
  sourceDigest: unknown;
  platformDigest: unknown;
  matched: boolean;
  checkedAt: Date;
  checks: number;
  lastMismatchAt: Date | null;
  lastRepair: unknown;
  repairedTotal: number;
}
