import { SourceDigest } from '@ctp/contracts';

/** What the platform's GET /sync answers, as far as the reconciliation tests read it. */
export interface SyncView {
  sources: {
    source: string;
    records: number;
    reconciliation: {
      matched: boolean;
      checks: number;
      sourceDigest: SourceDigest;
      lastRepair: { requested: number; resent: number; unexplained: string[]; error?: string } | null;
      repairedTotal: number;
    } | null;
  }[];
  consumers: Record<string, { pending: number; ackPending: number }>;
}

/** One source's entry of the platform's GET /sync, if it has one. */
export async function syncOf(platformUrl: string, source: string): Promise<SyncView['sources'][number] | undefined> {
  return ((await (await fetch(`${platformUrl}/sync`)).json()) as SyncView).sources.find((s) => s.source === source);
}
