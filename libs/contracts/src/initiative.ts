/**
 * The `ctp:initiative:v1` state-transfer snapshot (DOMAIN.md). Every event carries the whole current record, so a
 * consumer never needs the previous events to apply the newest one, and out-of-order delivery is harmless.
 */
export const INITIATIVE_KINDS = ['PRJ', 'OPS', 'TRN', 'MTG', 'DEP'] as const;
export type InitiativeKind = (typeof INITIATIVE_KINDS)[number];

export const ACTION_STREAMS = [
  'IDENTIFICATION',
  'TRAVEL_MOBILITY',
  'ONLINE_PRESENCE',
  'WEAPONS_MATERIALS',
  'FINANCING',
] as const;
export type ActionStream = (typeof ACTION_STREAMS)[number];

export const INITIATIVE_STATUSES = [
  'PIPELINE',
  'IMPLEMENTATION',
  'FINALISATION',
  'CLOSED',
  'CANCELLED',
  'SUSPENDED',
] as const;
export type InitiativeStatus = (typeof INITIATIVE_STATUSES)[number];

export const LANGUAGES = ['en', 'fr', 'es', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

export const VISIBILITIES = ['PARTNER_SHAREABLE', 'INTERPOL_RESTRICTED'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const LOCAL_ID_PATTERN = /^[A-Za-z0-9._-]{1,40}$/;

export interface LocalizedText {
  lang: Language;
  text: string;
}

export interface ReportingOrg {
  ref: string;
  type: 'HUB' | 'PARTNER' | 'PLATFORM';
  secondaryReporter: boolean;
}

export interface InitiativeSnapshot {
  initiativeId: string;
  reportingOrg: ReportingOrg;
  version: number;
  lastUpdatedAt: string;
  kind: InitiativeKind;
  codeName?: string;
  title: LocalizedText;
  titleAlt?: LocalizedText[];
  description?: string;
  actionStreams: { primary: ActionStream; secondary: ActionStream[] };
  capabilities?: string[];
  status: InitiativeStatus;
  dates?: { plannedStart?: string; plannedEnd?: string; actualStart?: string; actualEnd?: string };
  scope?: string;
  recipientCountries: string[];
  participatingOrgs?: { ref: string; name: string; role: string }[];
  relatedInitiatives?: { ref: string; type: number }[];
  otherIdentifiers?: { ref: string; ownerOrg: string }[];
  visibility: Visibility;
  /** Set only on `withdrawn` events: why the record was reported in error. */
  withdrawal?: { reason: string; withdrawnAt: string };
}

export function initiativeId(orgRef: string, localId: string): string {
  return `${orgRef}-${localId}`;
}
