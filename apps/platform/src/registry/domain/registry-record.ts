import { InitiativeSnapshot, regionOfRecord, RegionCode } from '@ctp/contracts';
import { searchTextOf } from './search-text';
import { isRestrictedVisibility } from './visibility';

/**
 * The columns the platform derives from a snapshot, for filters, rollups and candidate search. A withdrawal stub (a
 * tombstone for a record the platform never held: `withdrawnSnapshotOf`) has no content: its content columns are null or
 * empty, it is restricted (no visibility: deny by default), and being withdrawn it is in no rollup, list or comparison.
 */
export interface RegistryColumns {
  reporter: string;
  reporterType: string;
  region: RegionCode;
  kind: string | null;
  status: string | null;
  primaryStream: string | null;
  secondaryStreams: string[];
  countries: string[];
  capabilities: string[];
  /** The interval the matcher compares: actual dates where known, else planned. */
  startDate: string | null;
  endDate: string | null;
  /** Every id the record names (related initiatives and other identifiers): explicit links are found through it. */
  linkedIds: string[];
  /** Not PARTNER_SHAREABLE: served only to restricted readers (see visibility.ts). */
  restricted: boolean;
  /** The titles, translations and code name, normalised for GET /initiatives?q= (search-text.ts). */
  searchText: string;
}

export function registryColumnsOf(s: InitiativeSnapshot): RegistryColumns {
  const d = s.dates ?? {};
  return {
    reporter: s.reportingOrg.ref,
    reporterType: s.reportingOrg.type,
    region: regionOfRecord(s.reportingOrg.ref, s.recipientCountries ?? []),
    kind: s.kind ?? null,
    status: s.status ?? null,
    primaryStream: s.actionStreams?.primary ?? null,
    secondaryStreams: s.actionStreams?.secondary ?? [],
    countries: s.recipientCountries ?? [],
    capabilities: s.capabilities ?? [],
    startDate: d.actualStart ?? d.plannedStart ?? null,
    endDate: d.actualEnd ?? d.plannedEnd ?? null,
    linkedIds: [
      ...new Set([...(s.relatedInitiatives ?? []).map((r) => r.ref), ...(s.otherIdentifiers ?? []).map((o) => o.ref)]),
    ],
    restricted: isRestrictedVisibility(s.visibility),
    searchText: searchTextOf(s),
  };
}

/** One record as the registry serves it: its newest version, its cluster (as the reader sees it), its history. */
export interface RegistryRecord {
  initiativeId: string;
  source: string;
  version: number;
  withdrawn: boolean;
  region: string;
  /** The duplicate cluster it belongs to, with its canonical record (the one the deduplicated counts use). */
  cluster: { clusterId: string; canonicalId: string; isCanonical: boolean; members: string[] } | null;
  snapshot: InitiativeSnapshot;
  firstReportedAt: string;
  lastReportedAt: string;
  versions: { version: number; eventId: string; eventType: string; reportedAt: string; appliedAt: string }[];
}

export type { RegistrySummary } from '@ctp/contracts';
