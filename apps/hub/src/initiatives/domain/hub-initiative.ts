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
  withdrawnVersionOf,
} from '@ctp/contracts';
import {
  ContradictsIfMatch,
  ContradictsRecord,
  InitiativeRuleViolation,
  InvalidTransition,
  MalformedInitiative,
} from './initiative-errors';

export { canonical, InitiativeContent } from '@ctp/contracts';

/** Checks the shape of what a reporter sent and returns only the content fields (400 when malformed). */
export function parseContent(body: unknown, extraAllowed: readonly string[] = []): InitiativeContent {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new MalformedInitiative(contentShapeProblems(body));
  }
  const plain = { ...(body as Record<string, unknown>) };
  for (const k of extraAllowed) delete plain[k];
  const problems = [...contentShapeProblems(plain), ...nulProblems(plain)];
  if (problems.length) throw new MalformedInitiative(problems);
  return contentOf(plain);
}

/** A replacement's body as `PUT` takes it: the content, plus the server-managed fields a GET shows (400 when malformed). */
export interface Replacement {
  content: InitiativeContent;
  managed: ServerManagedFields;
}

/**
 * Checks the shape of a replacement: the content exactly as `parseContent` does, and the server-managed fields of the
 * representation (`initiativeId`, `localId`, `reportingOrg`, `version`, `lastUpdatedAt`, `withdrawal`) for their types
 * only; any other field is unknown (400). Whether those fields agree with the record is `assertAgreesWithRecord`'s.
 */
export function parseReplacement(body: unknown): Replacement {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new MalformedInitiative(contentShapeProblems(body));
  }
  const { content, managed, problems: managedProblems } = splitRepresentation(body as Record<string, unknown>);
  const problems = [...managedProblems, ...contentShapeProblems(content), ...nulProblems(content)];
  if (problems.length) throw new MalformedInitiative(problems);
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

function snapshotOr422(result: VersionResult): InitiativeSnapshot {
  if (result.kind === 'rulesBroken') throw new InitiativeRuleViolation(result.problems);
  return result.snapshot;
}

/** Version 1 of a new initiative, checked against every rule (422 when a rule is broken). */
export function firstVersion(owner: Owner, localId: string, content: InitiativeContent, now: Date): InitiativeSnapshot {
  return snapshotOr422(
    firstVersionOf({ ref: owner.orgRef, type: 'HUB', secondaryReporter: false }, localId, content, now),
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
