import { InitiativeSnapshot, regionOfRecord, RegionCode } from '@ctp/contracts';
import { isRestrictedVisibility } from './visibility';

/** The columns the platform derives from a snapshot, for filters, rollups and candidate search. */
export interface RegistryColumns {
  reporter: string;
  reporterType: string;
  region: RegionCode;
  kind: string;
  status: string;
  primaryStream: string;
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
}

export function registryColumnsOf(s: InitiativeSnapshot): RegistryColumns {
  const d = s.dates ?? {};
  return {
    reporter: s.reportingOrg.ref,
    reporterType: s.reportingOrg.type,
    region: regionOfRecord(s.reportingOrg.ref, s.recipientCountries ?? []),
    kind: s.kind,
    status: s.status,
    primaryStream: s.actionStreams.primary,
    secondaryStreams: s.actionStreams.secondary ?? [],
    countries: s.recipientCountries ?? [],
    capabilities: s.capabilities ?? [],
    startDate: d.actualStart ?? d.plannedStart ?? null,
    endDate: d.actualEnd ?? d.plannedEnd ?? null,
    linkedIds: [
      ...new Set([...(s.relatedInitiatives ?? []).map((r) => r.ref), ...(s.otherIdentifiers ?? []).map((o) => o.ref)]),
    ],
    restricted: isRestrictedVisibility(s.visibility),
  };
}
