import { CloudEvent, InitiativeEventType, INITIATIVE_EVENT_TYPES, parseSource, subjectForSource } from './events';
import { InitiativeSnapshot, InitiativeStatus, InitiativeWithdrawal } from './initiative';
import { hubOrgRef } from './regions';
import { ALLOWED_TRANSITIONS, isAllowedTransition } from './initiative-rules';
import { checkInitiativeEventData } from './validation';

/**
 * docs/domain.md's consumer rules, for the platform and anyone else who keeps a copy of initiatives (partner-liaison).
 */

/** What a copy holds of one initiative, as far as the rules need it. */
export interface RegistryState {
  version: number;
  withdrawn: boolean;
  status?: InitiativeStatus;
}

export type RejectReason =
  'OWNERSHIP_VIOLATION' | 'WITHDRAWN' | 'SCHEMA' | 'INVALID_DATES' | 'ACTUAL_DATE_IN_FUTURE' | 'INVALID_TRANSITION';

export type RuleVerdict =
  | { outcome: 'APPLY' }
  | { outcome: 'IGNORED'; reason: 'STALE_VERSION' }
  | { outcome: 'REJECTED'; reason: RejectReason; detail: string };

/** The reporting organisation a source speaks for: `/ctp/hubs/eur` → `IP-HUB-EUR`, `/ctp/partner-liaison/unodc` → `PT-UNODC`. */
export function ownerOf(source: string): { ref: string; type: 'HUB' | 'PARTNER' } | undefined {
  const parsed = parseSource(source);
  if (parsed?.kind === 'hub') return { ref: hubOrgRef(parsed.region), type: 'HUB' };
  if (parsed?.kind === 'partner') return { ref: `PT-${parsed.code.toUpperCase()}`, type: 'PARTNER' };
  return undefined;
}

/** The initiative-id prefix a source may report under: `/ctp/hubs/eur` → `IP-HUB-EUR-`. */
export function ownedPrefix(source: string): string | undefined {
  const owner = ownerOf(source);
  return owner ? `${owner.ref}-` : undefined;
}

const reject = (reason: RejectReason, detail: string): RuleVerdict => ({ outcome: 'REJECTED', reason, detail });

/**
 * A value of the event's data as a refusal's detail names it: a string as it is, anything else as JSON. Never throws:
 * the data may be anything (`String()` throws on an object whose `toString` is not a function, found by the fuzz).
 */
function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/**
 * docs/domain.md's consumer rules, in their order (rule 1, the duplicate delivery, is the inbox's, before this):
 * 2 ownership, 3 stale version, 4 withdrawn, 5 the snapshot's own validity, 6 the status transition when no version
 * was skipped. Pure: the caller supplies the stored state and the clock.
 *
 * A `ctp.initiative.withdrawn.v1` event may carry a tombstone (`InitiativeWithdrawal`) instead of the whole snapshot:
 * the same rules apply to it in the same order (ownership from its `initiativeId` and `reportingOrg`, stale and
 * withdrawn from its `version`), rule 5 checks it as a tombstone (`checkInitiativeEventData`), and rule 6 does not
 * apply to a withdrawal of either kind.
 */
export function judgeInitiativeEvent(
  event: CloudEvent<InitiativeSnapshot | InitiativeWithdrawal>,
  arrivedOn: string,
  stored: RegistryState | undefined,
  now: number = Date.now(),
): RuleVerdict {
  const type = event.type as InitiativeEventType;
  const snapshot = event.data;
  const id = snapshot?.initiativeId;
  const owner = ownerOf(event.source);
  if (!owner || typeof id !== 'string' || !id.startsWith(`${owner.ref}-`) || event.subject !== id) {
    return reject('OWNERSHIP_VIOLATION', `source ${event.source} does not own initiative ${shown(id)}`);
  }
  if (snapshot.reportingOrg?.ref !== owner.ref) {
    return reject(
      'OWNERSHIP_VIOLATION',
      `reportingOrg.ref ${shown(snapshot.reportingOrg?.ref)} is not ${owner.ref}, the owner of ${event.source}`,
    );
  }
  if (!INITIATIVE_EVENT_TYPES.includes(type) || subjectForSource(event.source, type) !== arrivedOn) {
    return reject('OWNERSHIP_VIOLATION', `event from ${event.source} arrived on ${arrivedOn}, not on its own subject`);
  }
  if (!Number.isInteger(snapshot.version) || snapshot.version < 1) {
    return reject('SCHEMA', 'version must be an integer >= 1');
  }
  if (stored && snapshot.version <= stored.version) return { outcome: 'IGNORED', reason: 'STALE_VERSION' };
  if (stored?.withdrawn) return reject('WITHDRAWN', `${id} was withdrawn and cannot change`);
  const check = checkInitiativeEventData(type, snapshot, now);
  if (!check.ok) {
    return reject(
      check.reason,
      check.problems
        .map((p) => `${p.field}: ${p.message}`)
        .join('; ')
        .slice(0, 1000),
    );
  }
  if (type === InitiativeEventType.Withdrawn) return { outcome: 'APPLY' };
  const full = snapshot as InitiativeSnapshot;
  if (stored?.status && full.version === stored.version + 1 && !isAllowedTransition(stored.status, full.status)) {
    const allowed = ALLOWED_TRANSITIONS[stored.status];
    return reject(
      'INVALID_TRANSITION',
      `status ${stored.status} → ${full.status} is not allowed (allowed: ${allowed.join(', ') || 'none, terminal'})`,
    );
  }
  return { outcome: 'APPLY' };
}
