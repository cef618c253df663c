import {
  firstVersion as firstVersionChecked,
  InitiativeContent,
  InitiativeSnapshot,
  LOCAL_ID_PATTERN,
  parseContentOf,
  withdrawnVersionOf,
} from '@ctp/contracts';
import { MalformedInitiative } from './initiative-errors';

export {
  assertAgreesWithRecord,
  canonical,
  InitiativeContent,
  nextVersion,
  parseReplacement,
  Replacement,
} from '@ctp/contracts';

/** Checks the shape of what a reporter sent and returns only the content fields (400 when malformed). */
export function parseContent(body: unknown, extraAllowed: readonly string[] = []): InitiativeContent {
  return parseContentOf(body, extraAllowed).content;
}

export function parseLocalId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !LOCAL_ID_PATTERN.test(value)) {
    throw new MalformedInitiative([
      { field: 'localId', rule: 'matches', message: 'localId must match [A-Za-z0-9._-]{1,40}' },
    ]);
  }
  return value;
}

export interface Owner {
  orgRef: string;
}

/** Version 1 of a new initiative, checked against every rule (422 when a rule is broken). */
export function firstVersion(owner: Owner, localId: string, content: InitiativeContent, now: Date): InitiativeSnapshot {
  return firstVersionChecked({ ref: owner.orgRef, type: 'HUB', secondaryReporter: false }, localId, content, now);
}

export const withdrawnVersion = withdrawnVersionOf;

/** Who made a change: a token's subject and organisation, or a regional system's NATS identity. Recorded with it. */
export interface ChangeActor {
  sub: string;
  org: string;
}

/**
 * A change that arrived over NATS intake: only the region's regional system (NATS user `regional-<region>`, and the
 * operators' `admin`) may publish there, so that identity is who made it.
 */
export function regionalSystemActor(region: string, orgRef: string): ChangeActor {
  return { sub: `nats:regional-${region}`, org: orgRef };
}
