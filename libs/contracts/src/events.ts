import { HUB_REGIONS, HubRegion } from './regions';

/** CloudEvents 1.0 structured-mode envelope, with the CTP extensions (docs/contract.md "CloudEvents"). */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema?: string;
  correlationid?: string;
  causationid?: string;
  traceparent?: string;
  data: T;
}

export const INITIATIVE_SCHEMA = 'ctp:initiative:v1';
/**
 * The data of a `ctp.initiative.withdrawn.v1` event that carries only the withdrawal (a tombstone: `initiativeId`,
 * `reportingOrg`, `version`, `lastUpdatedAt`, `withdrawal`), as its `dataschema` may name it. Consumers tell a tombstone
 * from a whole snapshot by its fields (`isWithdrawalTombstone`), not by this attribute.
 */
export const INITIATIVE_WITHDRAWAL_SCHEMA = 'ctp:initiative-withdrawal:v1';

export const InitiativeEventType = {
  Reported: 'ctp.initiative.reported.v1',
  Updated: 'ctp.initiative.updated.v1',
  Withdrawn: 'ctp.initiative.withdrawn.v1',
} as const;
export type InitiativeEventType = (typeof InitiativeEventType)[keyof typeof InitiativeEventType];
export const INITIATIVE_EVENT_TYPES: readonly InitiativeEventType[] = Object.values(InitiativeEventType);

export const PlatformEventType = {
  OverlapFlagged: 'ctp.overlap.flagged.v1',
  OverlapCleared: 'ctp.overlap.cleared.v1',
  RollupUpdated: 'ctp.rollup.updated.v1',
} as const;
export type PlatformEventType = (typeof PlatformEventType)[keyof typeof PlatformEventType];

/** The data of `ctp.overlap.flagged.v1` / `.cleared.v1`: one pair whose effective classification changed. */
export interface OverlapEventData {
  pairId: string;
  initiativeIds: [string, string];
  /** `DUPLICATE` or `OVERLAP` when flagged; what it was before when cleared. */
  classification: string | null;
  previousClassification: string | null;
  score: number | null;
  rule: string | null;
  signals: unknown;
  /** An analyst's decision (`CONFIRMED`, `REJECTED`), if any. */
  decision: string | null;
  canonicalId: string | null;
  clusterMembers: string[];
}

/** One row of a rollup: the values of its `groupBy` dimensions and its two counts. */
export type RollupUpdatedRow = Record<string, string | number> & { reported: number; deduplicated: number };

/** The data of `ctp.rollup.updated.v1`: the platform's counts, every record counted. */
export interface RollupUpdatedData {
  groupBy: string[];
  rows: RollupUpdatedRow[];
  totals: { reported: number; deduplicated: number };
  generatedAt: string;
}

/** `reported` for `ctp.initiative.reported.v1`. */
export function initiativeAction(type: InitiativeEventType): 'reported' | 'updated' | 'withdrawn' {
  return type.split('.')[2] as 'reported' | 'updated' | 'withdrawn';
}

/**
 * A partner's code: its acronym (`PT-<ACRONYM>`, `[A-Z0-9]{2,20}`, the only refs partner-liaison registers) in lower
 * case. It names the partner's source and is one token of its NATS subjects, so it never holds `.`, `*`, `>` or `-`.
 */
export const PARTNER_CODE_CHARSET = '[a-z0-9]{2,20}';
export const PARTNER_CODE_PATTERN = new RegExp(`^${PARTNER_CODE_CHARSET}$`);

/** The pattern of every source `parseSource` reads, for JSON Schema (`pattern`) and for it. */
export const SOURCE_PATTERN_TEXT = `^/ctp/(?:hubs/(${HUB_REGIONS.join('|')})|partner-liaison/(${PARTNER_CODE_CHARSET})|(platform))$`;

/** Who an event's `source` says published it. */
export type ParsedSource =
  { kind: 'hub'; region: HubRegion } | { kind: 'partner'; code: string } | { kind: 'platform' };

const SOURCE_PATTERN = new RegExp(SOURCE_PATTERN_TEXT);

/**
 * The one reading of a CloudEvents `source`, the inverse of `EventSources`: `/ctp/hubs/eur` → hub `eur`,
 * `/ctp/partner-liaison/unodc` → partner `unodc`, `/ctp/platform` → the platform; anything else → undefined.
 */
export function parseSource(source: unknown): ParsedSource | undefined {
  const m = typeof source === 'string' ? SOURCE_PATTERN.exec(source) : null;
  if (!m) return undefined;
  if (m[1]) return { kind: 'hub', region: m[1] as HubRegion };
  if (m[2]) return { kind: 'partner', code: m[2] };
  return { kind: 'platform' };
}

export const EventSources = {
  hub: (region: HubRegion) => `/ctp/hubs/${region}`,
  partner: (partnerCode: string) => `/ctp/partner-liaison/${partnerCode.toLowerCase()}`,
  platform: '/ctp/platform',
} as const;

/** One subject prefix per source, so NATS permissions can confine each service to its own. */
export const Subjects = {
  all: 'ctp.>',
  allHubs: 'ctp.hub.>',
  allPartners: 'ctp.partner.>',
  allOverlaps: 'ctp.platform.overlap.>',
  hubAll: (region: HubRegion) => `ctp.hub.${region}.>`,
  platformAll: 'ctp.platform.>',
  hubInitiative: (region: HubRegion, type: InitiativeEventType) =>
    `ctp.hub.${region}.initiative.${initiativeAction(type)}.v1`,
  partnerInitiative: (partnerCode: string, type: InitiativeEventType) =>
    `ctp.partner.${partnerCode.toLowerCase()}.initiative.${initiativeAction(type)}.v1`,
  /** `ctp.overlap.flagged.v1` → `ctp.platform.overlap.flagged.v1`: the platform's events, under its own prefix. */
  platformEvent: (type: PlatformEventType) => `ctp.platform.${type.slice('ctp.'.length)}`,
} as const;

/**
 * The subject an event from `source` of `type` must arrive on. Used by consumers to refuse an event that
 * arrived on another source's subject (OWNERSHIP_VIOLATION) and by publishers to route.
 */
export function subjectForSource(source: string, type: InitiativeEventType): string | undefined {
  const parsed = parseSource(source);
  if (parsed?.kind === 'hub') return Subjects.hubInitiative(parsed.region, type);
  if (parsed?.kind === 'partner') return Subjects.partnerInitiative(parsed.code, type);
  return undefined;
}

export const JetStreamNames = {
  eventsStream: 'CTP_EVENTS',
  deadLetterStream: 'CTP_DEAD_LETTERS',
  /** Dead letters live outside `ctp.>` so they never loop back into CTP_EVENTS consumers. */
  deadLetterSubjectPrefix: 'ctpdlq',
  /** Regional systems' emitted upserts (`IntakeSubjects.submit`), kept while a hub is down. */
  intakeStream: 'CTP_INTAKE',
} as const;

/**
 * Durable consumer names: the inboxes' keys (never rename them) and the names NATS permissions allow each service to
 * read with, so they are written here once.
 */
export const DurableConsumers = {
  platformHubs: 'platform-hubs',
  platformPartners: 'platform-partners',
  liaisonHubs: 'liaison-hubs',
  liaisonOverlaps: 'liaison-overlaps',
  hubIntake: (region: HubRegion) => `hub-${region}-intake`,
} as const;

/*
 * How regional systems report to their hub over NATS. Outside `ctp.>` on purpose: a request on a subject that a stream
 * captures would get the stream's PubAck as its reply, not the hub's answer.
 *
 *  - `send`:  core request/reply on `ctp-intake.hub.<region>.initiatives.upsert`; the reply comes after the commit.
 *             Withdrawals likewise on `ctp-intake.hub.<region>.initiatives.withdraw` (request/reply only: no emit).
 *  - `emit`:  `ctp-intake.hub.<region>.initiatives.submit`, captured by the CTP_INTAKE stream even while the hub is
 *             down, applied by the hub's durable consumer when it is back.
 */
export const IntakeSubjects = {
  /** Everything a regional system of `region` may publish. */
  all: (region: HubRegion) => `ctp-intake.hub.${region}.>`,
  upsert: (region: HubRegion) => `ctp-intake.hub.${region}.initiatives.upsert`,
  submit: (region: HubRegion) => `ctp-intake.hub.${region}.initiatives.submit`,
  withdraw: (region: HubRegion) => `ctp-intake.hub.${region}.initiatives.withdraw`,
  /** What the CTP_INTAKE stream captures. */
  anySubmit: 'ctp-intake.hub.*.initiatives.submit',
} as const;
