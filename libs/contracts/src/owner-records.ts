import { FieldProblem } from './field-problem';
import { InitiativeSnapshot, ReportingOrg } from './initiative';
import {
  ContradictsIfMatch,
  ContradictsRecord,
  InvalidTransition,
  MalformedRequest,
  RulesBroken,
} from './owner-errors';
import { contentOf, firstVersionOf, InitiativeContent, nextVersionOf, VersionResult } from './owner-versions';
import { reconcileServerManagedFields, ServerManagedFields, splitRepresentation } from './server-managed-fields';
import { nulProblems } from './text-rules';
import { contentShapeProblems } from './validation';

/*
 * The owner's steps with its errors (owner-versions.ts has them as results): what a hub does for its own initiatives
 * and partner-liaison for its partners', written once. Each throws an `OwnerError` (owner-errors.ts).
 */

/** The body is a JSON object, or a 400 naming what it is instead. */
export function assertObjectBody(body: unknown): asserts body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new MalformedRequest(contentShapeProblems(body));
  }
}

/**
 * The content of a report's body: its shape and its text checked, a 400 naming every problem. The fields named `apart`
 * are not content (a partner's `localId`, an upsert's own fields): set apart, and judged by `apartProblems`.
 */
export function parseContentOf(
  body: unknown,
  apart: readonly string[] = [],
  apartProblems: (fields: Record<string, unknown>) => FieldProblem[] = () => [],
): { content: InitiativeContent; apart: Record<string, unknown> } {
  assertObjectBody(body);
  const plain = { ...body };
  const fields: Record<string, unknown> = {};
  for (const k of apart) {
    fields[k] = plain[k];
    delete plain[k];
  }
  const problems = [...apartProblems(fields), ...contentShapeProblems(plain), ...nulProblems(plain)];
  if (problems.length) throw new MalformedRequest(problems);
  return { content: contentOf(plain), apart: fields };
}

/** A replacement's body as `PUT` takes it: the content, plus the server-managed fields a GET shows (400 when malformed). */
export interface Replacement {
  content: InitiativeContent;
  managed: ServerManagedFields;
}

/**
 * Checks the shape of a replacement: the content as a report's, and the server-managed fields of the representation
 * (`initiativeId`, `localId`, `reportingOrg`, `version`, `lastUpdatedAt`, `withdrawal`) for their types only; any other
 * field is unknown (400). Whether those fields agree with the record is `assertAgreesWithRecord`'s.
 */
export function parseReplacement(body: unknown): Replacement {
  assertObjectBody(body);
  const { content, managed, problems: managedProblems } = splitRepresentation(body);
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

function snapshotOr422(result: VersionResult): InitiativeSnapshot {
  if (result.kind === 'rulesBroken') throw new RulesBroken(result.problems);
  return result.snapshot;
}

/** Version 1 of a new initiative, checked against every rule (422 when a rule is broken). */
export function firstVersion(
  reportingOrg: ReportingOrg,
  localId: string,
  content: InitiativeContent,
  now: Date,
): InitiativeSnapshot {
  return snapshotOr422(firstVersionOf(reportingOrg, localId, content, now));
}

/**
 * The next version after `current` with `content` replacing it, or `undefined` when the content is what is stored
 * already (a no-op creates no version and no event); 422 for a transition or rule it breaks.
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
