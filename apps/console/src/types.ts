/**
 * The platform API's answers as the console reads them (apps/platform's views; the console imports no server code).
 * Fields a newer platform may add are optional.
 */
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
  countries?: number;
  sameDates?: number;
  nearDates?: number;
  kind?: number;
  stream?: number;
  organisations?: number;
  codeName?: boolean;
  titleConcepts?: string[];
  titleTerms?: { concept: string; a: string[]; b: string[] }[];
  model?: string;
  [signal: string]: unknown;
}

export interface OverlapView {
  id: string;
  aId: string;
  bId: string;
  classification: string | null;
  score: number | null;
  rule: string | null;
  signals: PairSignals | null;
  decision: string | null;
  decisionNote: string | null;
  decidedAt: string | null;
  decidedBy: { sub: string; org: string } | null;
  effective: string | null;
  firstFlaggedAt: string;
  updatedAt: string;
  records: PairRecordView[];
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface RegistrySummary {
  initiativeId: string;
  reporter: string;
  region: string;
  version: number;
  withdrawn: boolean;
  kind: string;
  status: string;
  primaryActionStream: string;
  countries: string[];
  title: LocalizedText;
  titleAlt?: LocalizedText[];
  clusterId: string | null;
  lastReportedAt: string;
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

export type Health = 'green' | 'amber' | 'red';

/** GET /console/operations (apps/platform/src/console/http/operations-view.ts). */
export interface OperationsReport {
  generatedAt: string;
  overall: Health;
  sources: {
    source: string;
    /** MATCHED, REPAIRING, MISMATCHED, STALE or NOT_CHECKED. */
    state: string;
    records: number;
    lastEventAt: string | null;
    lastReportedAt?: string | null;
    highestVersion?: number | null;
    refused: number;
    lastCheckedAt: string | null;
    lastMismatchAt?: string | null;
    repairedTotal?: number;
    status: Health;
  }[];
  consumers: {
    name: string;
    pending?: number;
    ackPending?: number;
    redelivered?: number;
    status: Health;
    error?: string;
  }[];
  detection: { backlog: number; oldestQueuedAgeSeconds?: number; status: Health; error?: string };
  deadLetters: {
    count: number;
    lastWrittenAt?: string;
    bySubject?: { consumer: string; subject: string; count: number }[];
    latest: { reason: string; detail?: string; subject?: string; consumer?: string; at?: string }[];
    reasonsSinceStart?: { consumer: string; reason: string; count: number }[];
    inspect?: string;
    status: Health;
    error?: string;
  };
  services: {
    name: string;
    url: string;
    ready: boolean;
    outboxBacklog?: number;
    oldestUnsentAgeSeconds?: number;
    status: Health;
    error?: string;
  }[];
  problems?: string[];
  thresholds?: Record<string, Record<string, number>>;
}
