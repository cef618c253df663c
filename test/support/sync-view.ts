import { SourceDigest } from '@ctp/contracts';
import { as } from './auth';

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

/** The platform's GET /sync, as an operator (scope ops:read). */
export async function syncView(platformUrl: string): Promise<SyncView> {
  const res = await fetch(`${platformUrl}/sync`, { headers: await as.operator() });
  if (!res.ok) throw new Error(`GET /sync: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as SyncView;
}

/** One source's entry of the platform's GET /sync, if it has one. */
export async function syncOf(platformUrl: string, source: string): Promise<SyncView['sources'][number] | undefined> {
  return (await syncView(platformUrl)).sources.find((s) => s.source === source);
}
