/**
 * The `ctp:initiative:v1` state-transfer snapshot (docs/domain.md "Initiatives: the snapshot"). Every event carries the whole current record, so a
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

export const CAPABILITIES = [
  'DATA_MANAGEMENT',
  'CRIMINAL_ANALYSIS',
  'FORENSICS',
  'BORDER_MANAGEMENT',
  'CAPACITY_BUILDING',
  'FUGITIVE_SUPPORT',
  'COMMAND_COORDINATION',
  'INNOVATION',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const INITIATIVE_SCOPES = ['GLOBAL', 'MULTI_REGIONAL', 'REGIONAL', 'NATIONAL', 'SUBNATIONAL'] as const;
export type InitiativeScope = (typeof INITIATIVE_SCOPES)[number];

export const ORG_ROLES = ['FUNDING', 'ACCOUNTABLE', 'EXTENDING', 'IMPLEMENTING'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const REPORTING_ORG_TYPES = ['HUB', 'PARTNER', 'PLATFORM'] as const;
export type ReportingOrgType = (typeof REPORTING_ORG_TYPES)[number];

/** 1 parent · 2 child · 3 sibling · 4 co-funded · 5 third party (another organisation's report of the same activity). */
export const RELATED_INITIATIVE_TYPES = [1, 2, 3, 4, 5] as const;

export const LOCAL_ID_PATTERN = /^[A-Za-z0-9._-]{1,40}$/;

export interface LocalizedText {
  lang: Language;
  text: string;
}

export interface ReportingOrg {
  ref: string;
  type: ReportingOrgType;
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
  capabilities?: Capability[];
  status: InitiativeStatus;
  dates?: { plannedStart?: string; plannedEnd?: string; actualStart?: string; actualEnd?: string };
  scope?: InitiativeScope;
  recipientCountries: string[];
  participatingOrgs?: { ref: string; name: string; role: OrgRole }[];
  relatedInitiatives?: { ref: string; type: number }[];
  otherIdentifiers?: { ref: string; ownerOrg: string }[];
  visibility: Visibility;
  /** Set only on `withdrawn` events: why the record was reported in error. */
  withdrawal?: { reason: string; withdrawnAt: string };
}

/**
 * A withdrawal tombstone (`ctp:initiative-withdrawal:v1`): the data a `ctp.initiative.withdrawn.v1` event may carry
 * instead of the whole snapshot — the record's identity, its new version and the reason, none of its content.
 */
export interface InitiativeWithdrawal {
  initiativeId: string;
  reportingOrg: ReportingOrg;
  version: number;
  lastUpdatedAt: string;
  /** `withdrawnAt` may be left out: it is then `lastUpdatedAt` (the withdrawal is the change). */
  withdrawal: { reason: string; withdrawnAt?: string };
}

export function initiativeId(orgRef: string, localId: string): string {
  return `${orgRef}-${localId}`;
}

/** The reporter-supplied fields of a snapshot, in the contract's order. */
export const CONTENT_FIELDS = [
  'kind',
  'codeName',
  'title',
  'titleAlt',
  'description',
  'actionStreams',
  'capabilities',
  'status',
  'dates',
  'scope',
  'recipientCountries',
  'participatingOrgs',
  'relatedInitiatives',
  'otherIdentifiers',
  'visibility',
] as const;

const SNAPSHOT_FIELD_ORDER = [
  'initiativeId',
  'reportingOrg',
  'version',
  'lastUpdatedAt',
  ...CONTENT_FIELDS,
  'withdrawal',
] as const;
const DATE_FIELD_ORDER = ['plannedStart', 'plannedEnd', 'actualStart', 'actualEnd'] as const;

/**
 * The snapshot with its fields in the contract's order (PostgreSQL's jsonb keeps keys in its own order): what APIs
 * return, so that a person reading two responses sees the same layout.
 */
export function orderedSnapshot(s: InitiativeSnapshot): InitiativeSnapshot {
  const out: Record<string, unknown> = {};
  for (const k of SNAPSHOT_FIELD_ORDER) {
    if (s[k] === undefined) continue;
    if (k === 'dates' && s.dates) {
      const d: Record<string, unknown> = {};
      for (const dk of DATE_FIELD_ORDER) if (s.dates[dk] !== undefined) d[dk] = s.dates[dk];
      out.dates = d;
    } else out[k] = s[k];
  }
  return out as unknown as InitiativeSnapshot;
}

/**
 * Whether the data of a `ctp.initiative.withdrawn.v1` event is a tombstone rather than the whole snapshot: an object
 * with none of the content fields (`CONTENT_FIELDS`). One that has some is judged as a whole snapshot, so a snapshot
 * missing a field is refused for that field, not taken for a tombstone.
 */
export function isWithdrawalTombstone(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  return !CONTENT_FIELDS.some((f) => Object.hasOwn(data, f));
}

/**
 * What a copy of the records stores when it applies a withdrawal (the platform's registry, partner-liaison's copy):
 *  - a whole snapshot: as it came;
 *  - a tombstone over a record held: the content of the last whole snapshot held (`held`), with the tombstone's
 *    identity, version, `lastUpdatedAt` and withdrawal;
 *  - a tombstone for a record never held: the tombstone alone, a stub without content (it only keeps an older version
 *    arriving later stale, and the copy's digest equal to the owner's).
 * `withdrawal.withdrawnAt` is the tombstone's, or its `lastUpdatedAt` when it has none.
 */
export function withdrawnSnapshotOf(
  data: InitiativeSnapshot | InitiativeWithdrawal,
  held: InitiativeSnapshot | null | undefined,
): InitiativeSnapshot {
  if (!isWithdrawalTombstone(data)) return data as InitiativeSnapshot;
  const t = data as InitiativeWithdrawal;
  const withdrawal = { reason: t.withdrawal.reason, withdrawnAt: t.withdrawal.withdrawnAt ?? t.lastUpdatedAt };
  const identity = {
    initiativeId: t.initiativeId,
    reportingOrg: t.reportingOrg,
    version: t.version,
    lastUpdatedAt: t.lastUpdatedAt,
  };
  if (!held) return { ...identity, withdrawal } as InitiativeSnapshot;
  const content: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) if (held[f] !== undefined) content[f] = held[f];
  return { ...identity, ...content, withdrawal } as InitiativeSnapshot;
}
