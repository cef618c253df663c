import {
  ALLOWED_TRANSITIONS,
  checkInitiativeSnapshot,
  CloudEvent,
  InitiativeEventType,
  INITIATIVE_EVENT_TYPES,
  InitiativeSnapshot,
  InitiativeStatus,
  isAllowedTransition,
  subjectForSource,
} from '@ctp/contracts';

/** The four hub regions, as partners' `regions` name them. */
export type HubRegionCode = 'AFR' | 'MDE' | 'ASI' | 'EUR';

/** What partner-liaison already holds of an INTERPOL record, as far as the rules need it. */
export interface KnownRecordState {
  version: number;
  withdrawn: boolean;
  status?: InitiativeStatus | null;
}

export type RecordRejectReason =
  'OWNERSHIP_VIOLATION' | 'WITHDRAWN' | 'SCHEMA' | 'INVALID_DATES' | 'ACTUAL_DATE_IN_FUTURE' | 'INVALID_TRANSITION';

export type RecordVerdict =
  | { outcome: 'APPLY'; hub: { ref: string; region: HubRegionCode } }
  | { outcome: 'IGNORED'; reason: 'STALE_VERSION' }
  | { outcome: 'REJECTED'; reason: RecordRejectReason; detail: string };

const HUB_SOURCE = /^\/ctp\/hubs\/(afr|mde|asi|eur)$/;

/** `/ctp/hubs/eur` → `{ ref: 'IP-HUB-EUR', region: 'EUR' }`; anything else is not a hub. */
export function hubOfSource(source: unknown): { ref: string; region: HubRegionCode } | undefined {
  const m = typeof source === 'string' ? HUB_SOURCE.exec(source) : null;
  if (!m) return undefined;
  const region = m[1].toUpperCase() as HubRegionCode;
  return { ref: `IP-HUB-${region}`, region };
}

const reject = (reason: RecordRejectReason, detail: string): RecordVerdict => ({ outcome: 'REJECTED', reason, detail });

/**
 * DOMAIN.md's consumer rules for partner-liaison's copy of the hubs' records (rule 1, the duplicate delivery, is the
 * inbox's): 2 ownership — only a hub, on its own subject, for ids under its own prefix; 3 stale version; 4 withdrawn;
 * 5 the snapshot's own validity; 6 the status transition when no version was skipped. Pure, total: any event that
 * decoded as an envelope gets a verdict, never an exception.
 */
export function judgeHubEvent(
  event: CloudEvent<unknown>,
  arrivedOn: string,
  stored: KnownRecordState | undefined,
  now: number = Date.now(),
): RecordVerdict {
  const snapshot = (event.data ?? {}) as Partial<InitiativeSnapshot>;
  const id = snapshot.initiativeId;
  const hub = hubOfSource(event.source);
  if (!hub) return reject('OWNERSHIP_VIOLATION', `${String(event.source)} is not a hub: only hubs report on ctp.hub.>`);
  if (typeof id !== 'string' || !id.startsWith(`${hub.ref}-`) || event.subject !== id) {
    return reject('OWNERSHIP_VIOLATION', `source ${event.source} does not own initiative ${String(id)}`);
  }
  const reportingOrg = snapshot.reportingOrg as { ref?: unknown } | undefined;
  if (typeof reportingOrg !== 'object' || reportingOrg === null || reportingOrg.ref !== hub.ref) {
    return reject(
      'OWNERSHIP_VIOLATION',
      `reportingOrg.ref ${String(reportingOrg?.ref)} is not ${hub.ref}, the owner of ${event.source}`,
    );
  }
  const type = event.type as InitiativeEventType;
  if (!INITIATIVE_EVENT_TYPES.includes(type) || subjectForSource(event.source, type) !== arrivedOn) {
    return reject('OWNERSHIP_VIOLATION', `event from ${event.source} arrived on ${arrivedOn}, not on its own subject`);
  }
  if (!Number.isInteger(snapshot.version) || (snapshot.version as number) < 1) {
    return reject('SCHEMA', 'version must be an integer >= 1');
  }
  const version = snapshot.version as number;
  if (stored && version <= stored.version) return { outcome: 'IGNORED', reason: 'STALE_VERSION' };
  if (stored?.withdrawn) return reject('WITHDRAWN', `${id} was withdrawn and cannot change`);
  const check = checkInitiativeSnapshot(snapshot, now);
  if (!check.ok) {
    return reject(
      check.reason,
      check.problems
        .map((p) => `${p.field}: ${p.message}`)
        .join('; ')
        .slice(0, 1000),
    );
  }
  const status = check.snapshot.status;
  if (
    type !== InitiativeEventType.Withdrawn &&
    stored?.status &&
    version === stored.version + 1 &&
    !isAllowedTransition(stored.status, status)
  ) {
    const allowed = ALLOWED_TRANSITIONS[stored.status];
    return reject(
      'INVALID_TRANSITION',
      `status ${stored.status} → ${status} is not allowed (allowed: ${allowed.join(', ') || 'none, terminal'})`,
    );
  }
  return { outcome: 'APPLY', hub };
}
