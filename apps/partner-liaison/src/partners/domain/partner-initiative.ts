import {
  contentOf,
  contentShapeProblems,
  firstVersionOf,
  InitiativeContent,
  InitiativeSnapshot,
  LOCAL_ID_PATTERN,
  nextVersionOf,
  nulProblems,
  reconcileServerManagedFields,
  ServerManagedFields,
  splitRepresentation,
  VersionResult,
  withdrawalReasonProblems,
  withdrawnVersionOf,
} from '@ctp/contracts';
import {
  ContradictsIfMatch,
  ContradictsRecord,
  InvalidTransition,
  MalformedRequest,
  RuleViolation,
} from './partner-errors';

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
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new MalformedRequest(contentShapeProblems(body));
  }
  const { localId, ...plain } = body as Record<string, unknown>;
  const problems = [...localIdProblems(localId), ...contentShapeProblems(plain), ...nulProblems(plain)];
  if (problems.length) throw new MalformedRequest(problems);
  return { localId: localId as string, content: contentOf(plain) };
}

/** A replacement's body as `PUT` takes it: the content, plus the server-managed fields a GET shows (400 when malformed). */
export interface PartnerReplacement {
  content: InitiativeContent;
  managed: ServerManagedFields;
}

/**
 * Checks the shape of a replacement (`PUT /partners/:ref/initiatives/:localId`): the content as a report's, and the
 * server-managed fields of the representation (`initiativeId`, `localId`, `reportingOrg`, `version`, `lastUpdatedAt`,
 * `withdrawal`) for their types only; any other field is unknown (400). The path names the record, so `localId` is
 * optional here; whether those fields agree with the record is `assertAgreesWithRecord`'s.
 */
export function parsePartnerReplacement(body: unknown): PartnerReplacement {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new MalformedRequest(contentShapeProblems(body));
  }
  const { content, managed, problems: managedProblems } = splitRepresentation(body as Record<string, unknown>);
  const problems = [...managedProblems, ...contentShapeProblems(content), ...nulProblems(content)];
  if (problems.length) throw new MalformedRequest(problems);
  return { content: contentOf(content), managed };
}

/**
 * The server-managed fields a replacement carried, against the stored record and the If-Match version: ignored when
 * they agree; 409 (`ContradictsRecord`) when they name another record, owner or a withdrawal; 412
 * (`ContradictsIfMatch`) when the body's version is not If-Match's.
 */
export function assertAgreesWithRecord(
  managed: ServerManagedFields,
  stored: InitiativeSnapshot,
  expectedVersion: number,
): void {
  const verdict = reconcileServerManagedFields(managed, {
    initiativeId: stored.initiativeId,
    localId: stored.initiativeId.slice(stored.reportingOrg.ref.length + 1),
    reportingOrg: stored.reportingOrg,
    expectedVersion,
  });
  if (verdict.kind === 'conflict') throw new ContradictsRecord(stored.initiativeId, verdict.problems);
  if (verdict.kind === 'preconditionFailed') throw new ContradictsIfMatch(stored.initiativeId, verdict.problems);
}

export function localIdProblems(value: unknown): { field: string; rule: string; message: string }[] {
  if (value === undefined || value === null || value === '') {
    return [{ field: 'localId', rule: 'isDefined', message: "localId is required: the partner's own id for it" }];
  }
  if (typeof value !== 'string' || !LOCAL_ID_PATTERN.test(value)) {
    return [{ field: 'localId', rule: 'matches', message: 'localId must match [A-Za-z0-9._-]{1,40}' }];
  }
  return [];
}

function snapshotOr422(result: VersionResult): InitiativeSnapshot {
  if (result.kind === 'rulesBroken') throw new RuleViolation(result.problems);
  return result.snapshot;
}

/** Version 1 of a new initiative, checked against every rule (422 when a rule is broken). */
export function firstVersion(
  owner: InitiativeOwner,
  localId: string,
  content: InitiativeContent,
  now: Date,
): InitiativeSnapshot {
  return snapshotOr422(
    firstVersionOf({ ref: owner.ref, type: 'PARTNER', secondaryReporter: true }, localId, content, now),
  );
}

/**
 * The next version after `current` with `content` replacing it, or `undefined` when the content is what is stored
 * already (a no-op creates no version and no event).
 */
export function nextVersion(
  current: InitiativeSnapshot,
  content: InitiativeContent,
  now: Date,
): InitiativeSnapshot | undefined {
  const result = nextVersionOf(current, content, now);
  if (result.kind === 'unchanged') return undefined;
  if (result.kind === 'invalidTransition') throw new InvalidTransition(result.from, result.to, result.allowed);
  return snapshotOr422(result);
}

/** Withdrawal ("reported in error") is one more version, carrying the reason; nothing can follow it. */
export const withdrawnVersion = withdrawnVersionOf;

export function parseWithdrawalReason(reason: unknown): string {
  const problems = withdrawalReasonProblems(reason);
  if (problems.length) throw new MalformedRequest(problems);
  return (reason as string).trim();
}

export { canonical, nulProblems, sameContent } from '@ctp/contracts';
