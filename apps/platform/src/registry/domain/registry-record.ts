import { InitiativeSnapshot, regionOfRecord, RegionCode } from '@ctp/contracts';

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
  /** `<country>:<YYYY-MM>` for each country and each month of the interval widened by half the matching window. */
  blockKeys: string[];
}

const HALF_WINDOW_DAYS = 15;
const DAY_MS = 86_400_000;

/**
 * Keys such that two records sharing a country with intervals at most 2 × HALF_WINDOW_DAYS apart share a key: both
 * intervals widened by HALF_WINDOW_DAYS then overlap, so they have a day — and its month — in common.
 */
export function blockKeysOf(countries: readonly string[], start: string | null, end: string | null): string[] {
  if (!start || !end || countries.length === 0) return [];
  const from = new Date(Date.parse(`${start}T00:00:00Z`) - HALF_WINDOW_DAYS * DAY_MS);
  const to = new Date(Date.parse(`${end}T00:00:00Z`) + HALF_WINDOW_DAYS * DAY_MS);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from > to) return [];
  const months: string[] = [];
  for (
    let y = from.getUTCFullYear(), m = from.getUTCMonth();
    y < to.getUTCFullYear() || (y === to.getUTCFullYear() && m <= to.getUTCMonth());
  ) {
    months.push(`${y}-${String(m + 1).padStart(2, '0')}`);
    if (++m === 12) {
      m = 0;
      y++;
    }
  }
  return [...new Set(countries)].flatMap((c) => months.map((month) => `${c}:${month}`));
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
    blockKeys: blockKeysOf(
      s.recipientCountries ?? [],
      d.actualStart ?? d.plannedStart ?? null,
      d.actualEnd ?? d.plannedEnd ?? null,
    ),
  };
}
