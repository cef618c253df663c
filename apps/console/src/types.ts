import type { Health, OperationsView, PairView, RegistrySummary } from '@ctp/contracts/platform-api';

/**
 * The platform API's answers as the console reads them. Those the platform declares in @ctp/contracts/platform-api (types
 * only: the console imports no server code) are the platform's own; the others are the console's reading of them.
 */
export type { Health, RegistrySummary };
/** GET /console/operations (apps/platform/src/console/http/operations-view.ts). */
export type OperationsReport = OperationsView;
export interface LocalizedText {
  lang: string;
  text: string;
}

export interface PairRecordView {
  initiativeId: string;
  reporter: string;
  kind: string;
  title: LocalizedText;
  titleAlt?: LocalizedText[];
  countries: string[];
  primaryActionStream: string;
  status?: string;
  region?: string;
  codeName?: string | null;
  /** The interval the matcher compared: actual dates where known, else planned. */
  start: string | null;
  end: string | null;
  /** The dates as reported. */
  dates?: SnapshotDates;
  withdrawn: boolean;
  clusterId: string | null;
}

export interface SnapshotDates {
  plannedStart?: string;
  plannedEnd?: string;
  actualStart?: string;
  actualEnd?: string;
}

export interface PairSignals {
  title?: number;
  titleContainment?: number;
  subject?: number;
  sameSubject?: number;
  sameSubjectArea?: number;
  samePlace?: number;
  countries?: number;
  sameDates?: number;
  nearDates?: number;
  exactDates?: number;
  sameSchedule?: number;
  kind?: number;
  stream?: number;
  organisations?: number;
  codeName?: boolean;
  titleConcepts?: string[];
  titleTerms?: { concept: string; a: string[]; b: string[] }[];
  model?: string;
  [signal: string]: unknown;
}

/** A pair as GET /overlaps gives it: the stored pair, its signals as the console reads them, its two records. */
export interface OverlapView extends Omit<PairView, 'signals'> {
  signals: PairSignals | null;
  records: PairRecordView[];
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * A record's snapshot. A withdrawal stub (a record the platform knows only from a withdrawal tombstone) has only
 * `initiativeId`, `reportingOrg`, `version`, `lastUpdatedAt` and `withdrawal`: hence the optional content fields.
 */
export interface InitiativeSnapshot {
  initiativeId: string;
  reportingOrg: { ref: string; type?: string; name?: string };
  version: number;
  lastUpdatedAt: string;
  kind?: string;
  codeName?: string;
  title?: LocalizedText;
  titleAlt?: LocalizedText[];
  description?: string;
  actionStreams?: { primary: string; secondary?: string[] };
  capabilities?: string[];
  status?: string;
  dates?: SnapshotDates;
  scope?: string;
  recipientCountries?: string[];
  participatingOrgs?: { ref: string; name: string; role: string }[];
  relatedInitiatives?: { ref: string; type: number }[];
  otherIdentifiers?: { ref: string; ownerOrg: string }[];
  visibility?: string;
  withdrawal?: { reason: string; withdrawnAt: string };
}

export interface RecordVersion {
  version: number;
  eventId?: string;
  eventType?: string;
  reportedAt?: string;
  appliedAt?: string;
  [field: string]: unknown;
}

export interface RegistryRecord {
  initiativeId: string;
  source: string;
  version: number;
  withdrawn: boolean;
  region: string;
  cluster: {
    clusterId: string;
    canonicalId: string;
    isCanonical: boolean;
    members: (string | { initiativeId: string; [field: string]: unknown })[];
  } | null;
  snapshot: InitiativeSnapshot;
  firstReportedAt: string;
  lastReportedAt: string;
  versions: RecordVersion[];
  provenance?: Record<string, unknown>;
}
