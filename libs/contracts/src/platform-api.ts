/*
 * The platform's HTTP answers that its own console reads (the console is built with the platform and served by it):
 * declared once, here, for the platform that builds them and the console that shows them, so that the compiler checks
 * one against the other. Types only, and no import: the console compiles this file on its own
 * (`@ctp/contracts/platform-api` in apps/console/tsconfig.app.json).
 */

/** green, amber or red: the state of one part of the system at a glance (GET /console/operations). */
export type Health = 'green' | 'amber' | 'red';

/** A record as a page of the registry lists it. */
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
  title: { lang: string; text: string };
  /** The title in other languages (the snapshot's titleAlt; empty when none). */
  titleAlt: { lang: string; text: string }[];
  clusterId: string | null;
  lastReportedAt: string;
}

/** A pair of records (GET /overlaps, stored as such): the detector's verdict, any analyst's decision, and the effective classification. */
export interface PairView {
  id: string;
  aId: string;
  bId: string;
  classification: string | null;
  score: number | null;
  rule: string | null;
  signals: unknown;
  decision: string | null;
  decisionNote: string | null;
  decidedAt: string | null;
  /** Who made the decision: the `sub` and `org` of the analyst's token. */
  decidedBy: { sub: string; org: string } | null;
  effective: string | null;
  firstFlaggedAt: string;
  updatedAt: string;
}

/** GET /console/operations: every part with its status, the worst of them as `overall`, the thresholds used. */
export interface OperationsView {
  generatedAt: string;
  overall: Health;
  sources: {
    source: string;
    state: string;
    records: number;
    lastEventAt: string | null;
    lastReportedAt: string | null;
    highestVersion: number | null;
    refused: number;
    lastCheckedAt: string | null;
    lastMismatchAt: string | null;
    repairedTotal: number;
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
    bySubject: { consumer: string; subject: string; count: number }[];
    /** The last ones this platform dead-lettered (since it started), newest first. */
    latest: { reason: string; detail?: string; subject: string; consumer: string; at: string }[];
    reasonsSinceStart: { consumer: string; reason: string; count: number }[];
    /** Where an operator reads each dead letter's reason and detail. */
    inspect: string;
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
  /** The thresholds each status was judged by, per part. */
  thresholds: Record<string, Record<string, number>>;
}
