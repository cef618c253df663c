import { FieldProblem } from './field-problem';
import { ReportingOrg } from './initiative';

/*
 * "What you GET you can PUT back" (issue #17): a replacement (`PUT`) may carry the fields of the representation that
 * the owner manages, not the reporter, as long as they agree with the record the path and If-Match name. One rule for
 * the hubs' `PUT /initiatives/:id` and partner-liaison's `PUT /partners/:ref/initiatives/:localId`:
 *
 * | field           | ignored when                                          | otherwise                                   |
 * | --------------- | ----------------------------------------------------- | ------------------------------------------- |
 * | `initiativeId`  | it is the path's record's id                          | 409 `matchesPath`                           |
 * | `localId`       | it is the path's record's local part                  | 409 `matchesPath`                           |
 * | `reportingOrg`  | `ref`, `type` and `secondaryReporter` are the record's | 409 `sameAsRecord`, naming the sub-field     |
 * | `version`       | it is the If-Match version                            | 412 `matchesIfMatch`                        |
 * | `lastUpdatedAt` | always (a date-time): set by the owner on every write | —                                           |
 * | `withdrawal`    | never: only the withdraw operation sets it            | 409 `setByWithdraw`                         |
 *
 * A server-managed field of the wrong type is malformed (400, named, like any content field), and so is any other
 * field the content does not have: only these six are let through, and only to be compared and dropped. What is
 * stored is still built by the owner (`nextVersionOf`) and judged by the consumers' own check.
 */

/** The fields of a GET representation that the owner sets, never the reporter. */
export const SERVER_MANAGED_FIELDS = [
  'initiativeId',
  'localId',
  'reportingOrg',
  'version',
  'lastUpdatedAt',
  'withdrawal',
] as const;
export type ServerManagedField = (typeof SERVER_MANAGED_FIELDS)[number];

export type ServerManagedFields = Partial<Record<ServerManagedField, unknown>>;

export interface SplitRepresentation {
  /** The body without the server-managed fields: what the content checks judge (unknown fields stay, and are refused). */
  content: Record<string, unknown>;
  /** The server-managed fields the body carried, as sent. */
  managed: ServerManagedFields;
  /** Server-managed fields of the wrong type (400), each named with its rule. */
  problems: FieldProblem[];
}

const REPORTING_ORG_KEYS = ['ref', 'type', 'secondaryReporter'] as const;

/** `2027-03-01T10:00:00Z`, `…T10:00:00.123+02:00`: an RFC 3339 date-time, as a GET shows `lastUpdatedAt`. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** Separates the server-managed fields of a body (an object) from its content, and checks their types. */
export function splitRepresentation(body: Record<string, unknown>): SplitRepresentation {
  const content: Record<string, unknown> = {};
  const managed: ServerManagedFields = {};
  for (const key of Object.keys(body)) {
    if ((SERVER_MANAGED_FIELDS as readonly string[]).includes(key)) managed[key as ServerManagedField] = body[key];
    else Object.defineProperty(content, key, { value: body[key], enumerable: true, writable: true });
  }
  return { content, managed, problems: typeProblems(managed) };
}

function typeProblems(m: ServerManagedFields): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const has = (f: ServerManagedField) => Object.hasOwn(m, f);
  for (const f of ['initiativeId', 'localId'] as const) {
    if (has(f) && typeof m[f] !== 'string') {
      problems.push({ field: f, rule: 'isString', message: `${f} must be a string (the one the record has)` });
    }
  }
  if (has('version') && !(Number.isSafeInteger(m.version) && (m.version as number) >= 1)) {
    problems.push({ field: 'version', rule: 'isInt', message: 'version must be an integer >= 1 (the one you read)' });
  }
  if (
    has('lastUpdatedAt') &&
    !(typeof m.lastUpdatedAt === 'string' && DATE_TIME.test(m.lastUpdatedAt) && !isNaN(Date.parse(m.lastUpdatedAt)))
  ) {
    problems.push({
      field: 'lastUpdatedAt',
      rule: 'isDateTime',
      message: 'lastUpdatedAt must be an ISO 8601 date-time such as 2027-03-01T10:00:00.000Z (it is set by the owner)',
    });
  }
  if (has('reportingOrg')) problems.push(...reportingOrgTypeProblems(m.reportingOrg));
  return problems;
}

function reportingOrgTypeProblems(value: unknown): FieldProblem[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ field: 'reportingOrg', rule: 'isObject', message: 'reportingOrg must be an object, as read' }];
  }
  const org = value as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(org)) {
    if (!(REPORTING_ORG_KEYS as readonly string[]).includes(key)) {
      problems.push({
        field: `reportingOrg.${key}`,
        rule: 'whitelistValidation',
        message: `property ${key} should not exist`,
      });
    }
  }
  for (const key of REPORTING_ORG_KEYS) {
    if (!Object.hasOwn(org, key)) {
      problems.push({
        field: `reportingOrg.${key}`,
        rule: 'isDefined',
        message: `reportingOrg.${key} is missing: send reportingOrg as read, or leave it out`,
      });
    } else if (key === 'secondaryReporter' ? typeof org[key] !== 'boolean' : typeof org[key] !== 'string') {
      const type = key === 'secondaryReporter' ? 'boolean' : 'string';
      problems.push({
        field: `reportingOrg.${key}`,
        rule: key === 'secondaryReporter' ? 'isBoolean' : 'isString',
        message: `reportingOrg.${key} must be a ${type}`,
      });
    }
  }
  return problems;
}

/** The record a replacement names: by its path (id, local part, owner) and by the version in If-Match. */
export interface ReplacedRecord {
  initiativeId: string;
  localId: string;
  reportingOrg: ReportingOrg;
  /** The version If-Match carries: the one the caller says it read. */
  expectedVersion: number;
}

/**
 * What the server-managed fields of a well-typed body say about the record being replaced: `agrees` (they are then
 * ignored), `conflict` (409: they name another record, another owner, or a withdrawal) or `preconditionFailed` (412:
 * the body was read at another version than If-Match says). A conflict outranks a version mismatch.
 */
export type ServerManagedVerdict =
  | { kind: 'agrees' }
  | { kind: 'conflict'; problems: FieldProblem[] }
  | { kind: 'preconditionFailed'; problems: FieldProblem[] };

export function reconcileServerManagedFields(
  managed: ServerManagedFields,
  record: ReplacedRecord,
): ServerManagedVerdict {
  const has = (f: ServerManagedField) => Object.hasOwn(managed, f);
  const conflicts: FieldProblem[] = [];
  if (has('initiativeId') && managed.initiativeId !== record.initiativeId) {
    conflicts.push({
      field: 'initiativeId',
      rule: 'matchesPath',
      message: `initiativeId must be ${record.initiativeId}, the record the path names (an id never changes; leave it out or send it as read)`,
    });
  }
  if (has('localId') && managed.localId !== record.localId) {
    conflicts.push({
      field: 'localId',
      rule: 'matchesPath',
      message: `localId must be ${record.localId}, the record the path names (an id never changes; leave it out or send it as read)`,
    });
  }
  if (has('reportingOrg')) {
    const sent = managed.reportingOrg as Record<string, unknown>;
    for (const key of REPORTING_ORG_KEYS) {
      if (sent[key] !== record.reportingOrg[key]) {
        conflicts.push({
          field: `reportingOrg.${key}`,
          rule: 'sameAsRecord',
          message: `reportingOrg.${key} must be ${String(record.reportingOrg[key])}, the record's (its owner never changes; leave reportingOrg out or send it as read)`,
        });
      }
    }
  }
  if (has('withdrawal')) {
    conflicts.push({
      field: 'withdrawal',
      rule: 'setByWithdraw',
      message:
        'withdrawal is set only by the withdraw operation (POST …/withdraw), never by a replacement: leave it out',
    });
  }
  if (conflicts.length) return { kind: 'conflict', problems: conflicts };
  if (has('version') && managed.version !== record.expectedVersion) {
    return {
      kind: 'preconditionFailed',
      problems: [
        {
          field: 'version',
          rule: 'matchesIfMatch',
          message: `the body says version ${String(managed.version)} but If-Match says ${record.expectedVersion}: send the version you read in both (or leave version out of the body)`,
        },
      ],
    };
  }
  return { kind: 'agrees' };
}

/** An If-Match header: `"3"`, `W/"3"` or `3` → 3; `missing` when absent or blank; `malformed` otherwise. */
export function ifMatchVersion(header: string | undefined): number | 'missing' | 'malformed' {
  if (header === undefined || header.trim() === '') return 'missing';
  const m = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(header);
  return m ? Number(m[1]) : 'malformed';
}

/** What API descriptions (OpenAPI) say of each server-managed field in a replacement's body: one wording everywhere. */
export const SERVER_MANAGED_FIELD_DOCS: Record<ServerManagedField, string> = {
  initiativeId:
    'Optional, as GET shows it: ignored when equal to the id of the record the path names; 409 (rule matchesPath) when different.',
  localId:
    'Optional: ignored when equal to the local part of that id (<reportingOrg.ref>-<localId>); 409 (matchesPath) when different.',
  reportingOrg:
    "Optional, as GET shows it: ignored when ref, type and secondaryReporter are all equal to the record's; 409 (sameAsRecord, naming the sub-field) when one differs.",
  version:
    'Optional: ignored when equal to the If-Match version; 412 (matchesIfMatch) when different. If-Match is still required.',
  lastUpdatedAt:
    'Optional, ignored whatever its value (an ISO 8601 date-time, else 400): the owner sets it on every change, and the version in If-Match already says which one was read.',
  withdrawal:
    'Never accepted: 409 (setByWithdraw). A record is withdrawn with POST …/withdraw, and a withdrawn record cannot be replaced (409 notWithdrawn).',
};
