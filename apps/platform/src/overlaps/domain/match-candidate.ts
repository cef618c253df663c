import { createHash } from 'node:crypto';
import type { InitiativeSnapshot } from '@ctp/contracts';

/**
 * What duplicate and overlap detection needs of one live initiative, flattened from its snapshot
 * (docs/domain.md "Duplicates and overlaps between reporters"). Built by `toMatchCandidate`; treat it as immutable —
 * title similarity caches what it derives from a candidate's `titles` array (WeakMap), so a changed record needs a
 * new candidate (which `toMatchCandidate` always builds).
 */
export interface MatchCandidate {
  initiativeId: string;
  /** `reportingOrg.ref`, e.g. `IP-HUB-EUR`, `PT-UNODC`. */
  reporterRef: string;
  reporterType: 'HUB' | 'PARTNER' | 'PLATFORM';
  kind: 'PRJ' | 'OPS' | 'TRN' | 'MTG' | 'DEP';
  codeName?: string;
  /** The title first, then its translations (`titleAlt`). */
  titles: { lang: 'en' | 'fr' | 'es' | 'ar'; text: string }[];
  countries: string[];
  primaryStream: string;
  secondaryStreams: string[];
  /** YYYY-MM-DD: `actualStart` if known, else `plannedStart` ('' when the snapshot has no dates). */
  start: string;
  /** YYYY-MM-DD: `actualEnd` if known, else `plannedEnd` ('' when the snapshot has no dates). */
  end: string;
  participatingOrgRefs: string[];
  /** `participatingOrgs` with role `FUNDING`. */
  funderRefs: string[];
  related: { ref: string; type: number }[];
  otherIdentifiers: { ref: string; ownerOrg: string }[];
  /** ISO timestamp: when the platform first received the record (version 1, or the first version it saw). */
  firstReportedAt: string;
}

const DAY_MS = 86_400_000;

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * The interval the record occupies: actual dates where known, else planned ones. One case needs care: an initiative
 * that started later than planned and has not ended yet has `actualStart` after its `plannedEnd`; its interval then
 * keeps the planned duration from the actual start (rather than ending before it starts).
 */
function intervalOf(dates: InitiativeSnapshot['dates']): { start: string; end: string } {
  const d = dates ?? {};
  const start = d.actualStart ?? d.plannedStart ?? d.plannedEnd ?? '';
  let end = d.actualEnd ?? d.plannedEnd ?? start;
  if (start && end && end < start) {
    const planned = d.plannedStart && d.plannedEnd ? Math.max(0, daysBetween(d.plannedStart, d.plannedEnd)) : 0;
    end = addDays(start, planned);
  }
  return { start, end };
}

/**
 * What the matcher reads of a snapshot. Total: a withdrawal stub (a record known only from a withdrawal tombstone,
 * without content) gives a candidate without titles or streams; withdrawn, it is never compared, only removed from the
 * blocking index and its pairs' judgement, as any withdrawn record.
 */
export function toMatchCandidate(snapshot: InitiativeSnapshot, firstReportedAt: string): MatchCandidate {
  const orgs = snapshot.participatingOrgs ?? [];
  const { start, end } = intervalOf(snapshot.dates);
  const candidate: MatchCandidate = {
    initiativeId: snapshot.initiativeId,
    reporterRef: snapshot.reportingOrg.ref,
    reporterType: snapshot.reportingOrg.type,
    kind: snapshot.kind,
    titles: [snapshot.title, ...(snapshot.titleAlt ?? [])]
      .filter((t) => t !== undefined)
      .map((t) => ({ lang: t.lang, text: t.text })),
    countries: unique(snapshot.recipientCountries ?? []),
    primaryStream: snapshot.actionStreams?.primary,
    secondaryStreams: unique(snapshot.actionStreams?.secondary ?? []),
    start,
    end,
    participatingOrgRefs: unique(orgs.map((o) => o.ref)),
    funderRefs: unique(orgs.filter((o) => o.role === 'FUNDING').map((o) => o.ref)),
    related: (snapshot.relatedInitiatives ?? []).map((r) => ({ ref: r.ref, type: r.type })),
    otherIdentifiers: (snapshot.otherIdentifiers ?? []).map((o) => ({ ref: o.ref, ownerOrg: o.ownerOrg })),
    firstReportedAt,
  };
  if (snapshot.codeName) candidate.codeName = snapshot.codeName;
  return candidate;
}

/** The fingerprint stored for a withdrawn record: it is in no pair's comparison any more. */
export const WITHDRAWN_FINGERPRINT = 'withdrawn';

/**
 * A digest of everything the matcher and the cluster canonical choice read of a record (its `MatchCandidate` without
 * `firstReportedAt`, which a new version does not change). Two versions with the same fingerprint get the same verdict
 * against every other record, so a new version whose fingerprint is unchanged (a status change without dates, a new
 * description, a budget) needs no detection run.
 */
export function fingerprintOfCandidate(candidate: MatchCandidate): string {
  const { firstReportedAt: _firstReportedAt, ...matched } = candidate;
  return createHash('sha1').update(JSON.stringify(matched)).digest('base64');
}
