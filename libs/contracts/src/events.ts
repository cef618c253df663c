import { HubRegion } from './regions';

/** CloudEvents 1.0 structured-mode envelope, with the CTP extensions (CONTRACT.md "Events"). */
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

/** `reported` for `ctp.initiative.reported.v1`. */
export function initiativeAction(type: InitiativeEventType): 'reported' | 'updated' | 'withdrawn' {
  return type.split('.')[2] as 'reported' | 'updated' | 'withdrawn';
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
} as const;

/**
 * The subject an event from `source` of `type` must arrive on. Used by consumers to refuse an event that
 * arrived on another source's subject (OWNERSHIP_VIOLATION) and by publishers to route.
 */
export function subjectForSource(source: string, type: InitiativeEventType): string | undefined {
  const hub = /^\/ctp\/hubs\/(afr|mde|asi|eur)$/.exec(source);
  if (hub) return Subjects.hubInitiative(hub[1] as HubRegion, type);
  const partner = /^\/ctp\/partner-liaison\/([a-z0-9-]+)$/.exec(source);
  if (partner) return Subjects.partnerInitiative(partner[1], type);
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
 *  - `emit`:  `ctp-intake.hub.<region>.initiatives.submit`, captured by the CTP_INTAKE stream even while the hub is
 *             down, applied by the hub's durable consumer when it is back.
 */
export const IntakeSubjects = {
  /** Everything a regional system of `region` may publish. */
  all: (region: HubRegion) => `ctp-intake.hub.${region}.>`,
  upsert: (region: HubRegion) => `ctp-intake.hub.${region}.initiatives.upsert`,
  submit: (region: HubRegion) => `ctp-intake.hub.${region}.initiatives.submit`,
  /** What the CTP_INTAKE stream captures. */
  anySubmit: 'ctp-intake.hub.*.initiatives.submit',
} as const;
