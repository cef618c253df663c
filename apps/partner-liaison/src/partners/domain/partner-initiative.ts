import {
  FieldProblem,
  firstVersion as firstVersionChecked,
  InitiativeContent,
  InitiativeSnapshot,
  LOCAL_ID_PATTERN,
  parseContentOf,
  parseReplacement,
  Replacement,
  withdrawalReasonProblems,
  withdrawnVersionOf,
} from '@ctp/contracts';
import { MalformedRequest } from './partner-errors';

/*
 * A partner's initiative, owned here: partner-liaison assigns its id under the partner's prefix, its versions and its
 * report times, exactly as a hub does for its own (apps/hub/src/initiatives/domain/hub-initiative.ts), with
 * `reportingOrg.type = PARTNER` and `secondaryReporter = true` (docs/domain.md "Initiatives: the snapshot").
 */

export { CONTENT_FIELDS, InitiativeContent } from '@ctp/contracts';

export interface InitiativeOwner {
  ref: string;
}

/** What a partner sends for one initiative: its own id for it and the content (400 when malformed). */
export interface PartnerInitiativeInput {
  localId: string;
  content: InitiativeContent;
}

/** Checks the shape of one partner initiative (the snapshot's content fields plus the required `localId`). */
export function parsePartnerInitiative(body: unknown): PartnerInitiativeInput {
  const { content, apart } = parseContentOf(body, ['localId'], (fields) => localIdProblems(fields.localId));
  return { localId: apart.localId as string, content };
}

/** A replacement's body as `PUT` takes it (`PUT /partners/:ref/initiatives/:localId`; the path names the record). */
export type PartnerReplacement = Replacement;
export const parsePartnerReplacement = parseReplacement;

export function localIdProblems(value: unknown): FieldProblem[] {
  if (value === undefined || value === null || value === '') {
    return [{ field: 'localId', rule: 'isDefined', message: "localId is required: the partner's own id for it" }];
  }
  if (typeof value !== 'string' || !LOCAL_ID_PATTERN.test(value)) {
    return [{ field: 'localId', rule: 'matches', message: 'localId must match [A-Za-z0-9._-]{1,40}' }];
  }
  return [];
}

/** Version 1 of a new initiative, checked against every rule (422 when a rule is broken). */
export function firstVersion(
  owner: InitiativeOwner,
  localId: string,
  content: InitiativeContent,
  now: Date,
): InitiativeSnapshot {
  return firstVersionChecked({ ref: owner.ref, type: 'PARTNER', secondaryReporter: true }, localId, content, now);
}

/** Withdrawal ("reported in error") is one more version, carrying the reason; nothing can follow it. */
export const withdrawnVersion = withdrawnVersionOf;

export function parseWithdrawalReason(reason: unknown): string {
  const problems = withdrawalReasonProblems(reason);
  if (problems.length) throw new MalformedRequest(problems);
  return (reason as string).trim();
}

export { assertAgreesWithRecord, canonical, nextVersion, nulProblems, sameContent } from '@ctp/contracts';
