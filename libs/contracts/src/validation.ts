import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { InitiativeEventType } from './events';
import { InitiativeSnapshot, InitiativeWithdrawal, isWithdrawalTombstone } from './initiative';
import {
  initiativeRuleViolations,
  RuleViolation,
  SnapshotRejectReason,
  withdrawalRuleViolations,
} from './initiative-rules';
import { InitiativeContentV1 } from './initiative.v1.dto';
import { initiativeSchemas } from './json-schema';
import { FieldProblem } from './field-problem';

export { FieldProblem } from './field-problem';

/** Flattens class-validator's nested errors into one entry per bad field and rule. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const property = e.property === '' ? '""' : e.property;
    const field = parent ? (/^\d+$/.test(property) ? `${parent}[${property}]` : `${parent}.${property}`) : property;
    for (const [rule, message] of Object.entries(e.constraints ?? {})) out.push({ field, rule, message });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

export type SnapshotCheck =
  { ok: true; snapshot: InitiativeSnapshot } | { ok: false; reason: SnapshotRejectReason; problems: RuleViolation[] };

const VALIDATOR_OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

/** Shape (types, enumerations, sizes) of what a reporter sends: the snapshot without its identity and version. */
export function contentShapeProblems(plain: unknown): FieldProblem[] {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return [{ field: 'body', rule: 'isObject', message: 'the initiative must be a JSON object' }];
  }
  // Most requests are valid: the validator compiled from the classes' JSON Schema says so in microseconds. Only when
  // it finds something do the classes themselves say what, field by field, in their own words (and they decide).
  // The compiled validator decides (the same one consumers use, so every service gives the same verdict); the classes
  // only put its findings in their own words, when they see them too: class-transformer drops keys such as
  // `__proto__` that the compiled validator refuses, and recurses into whatever nesting it is given.
  if (!contentShape) contentShape = compiledShape('InitiativeContentV1');
  if (contentShape(plain)) return [];
  const compiled = dedupeProblems((contentShape.errors ?? []).map(toFieldProblem));
  if (depthOf(plain, MAX_WORDED_DEPTH) > MAX_WORDED_DEPTH) return compiled;
  let worded: FieldProblem[];
  try {
    worded = flattenValidationErrors(validateSync(plainToInstance(InitiativeContentV1, plain), VALIDATOR_OPTIONS));
  } catch {
    // class-transformer follows a key named `constructor` into the prototype chain and throws: the verdict stands.
    return compiled;
  }
  const wordedFields = new Set(worded.map((p) => p.field));
  return [...worded, ...compiled.filter((p) => !wordedFields.has(p.field))];
}

/** The contract nests objects three levels deep; beyond this the classes are not asked for their wording. */
const MAX_WORDED_DEPTH = 8;

/** How deeply `value` nests objects and arrays, counted up to `limit + 1` (iterative: no stack to exhaust). */
export function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > limit) return deepest;
    for (const child of Object.values(v as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return deepest;
}

let contentShape: ValidateFunction | undefined;

function compiledShape(definition: string): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile({ $ref: `#/definitions/${definition}`, definitions: initiativeSchemas('#/definitions/') });
}

let snapshotShape: ValidateFunction | undefined;

/**
 * The snapshot's shape, checked by a validator compiled once from the JSON Schema that the class-validator classes
 * generate (the same single definition), because consumers check every event and class-transformer plus
 * class-validator cost about half of the platform's CPU per event.
 */
function snapshotShapeProblems(plain: unknown): FieldProblem[] {
  if (!snapshotShape) snapshotShape = compiledShape('InitiativeSnapshotV1');
  return snapshotShape(plain) ? [] : dedupeProblems((snapshotShape.errors ?? []).map(toFieldProblem));
}

let withdrawalShape: ValidateFunction | undefined;

/** A withdrawal tombstone's shape (`ctp:initiative-withdrawal:v1`), by the validator compiled from its class. */
function withdrawalShapeProblems(plain: unknown): FieldProblem[] {
  if (!withdrawalShape) withdrawalShape = compiledShape('InitiativeWithdrawalV1');
  return withdrawalShape(plain) ? [] : dedupeProblems((withdrawalShape.errors ?? []).map(toFieldProblem));
}

const RULE_OF_KEYWORD: Record<string, string> = {
  required: 'isDefined',
  additionalProperties: 'whitelistValidation',
  enum: 'isIn',
  pattern: 'matches',
  minLength: 'isLength',
  maxLength: 'isLength',
  maxItems: 'arrayMaxSize',
  uniqueItems: 'arrayUnique',
  minimum: 'min',
  maximum: 'max',
  not: 'isDefined',
};

function toFieldProblem(e: ErrorObject): FieldProblem {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((seg) => (seg === '' ? '""' : seg.replace(/~1/g, '/').replace(/~0/g, '~')))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
  const params = e.params as { missingProperty?: string; additionalProperty?: string; type?: string };
  const rawChild = params.missingProperty ?? params.additionalProperty;
  // An empty key is named "" so that every problem names a field.
  const child = rawChild === '' ? '""' : rawChild;
  const field = child !== undefined ? (path ? `${path}.${child}` : child) : path || 'data';
  const rule =
    e.keyword === 'type'
      ? params.type === 'integer'
        ? 'isInt'
        : `is${String(params.type).charAt(0).toUpperCase()}${String(params.type).slice(1)}`
      : (RULE_OF_KEYWORD[e.keyword] ?? e.keyword);
  const message =
    e.keyword === 'additionalProperties'
      ? `property ${field} should not exist`
      : e.keyword === 'required'
        ? `${field} is required`
        : `${field} ${e.message ?? 'is invalid'}`;
  return { field, rule, message };
}

function dedupeProblems(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}\u0000${p.rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Everything a consumer checks of a snapshot on its own (docs/domain.md "Consumer rules, in order", rule 5): its shape, then how its fields
 * fit together. The first violated rule's reason is the rejection reason (`SCHEMA`, `INVALID_DATES`,
 * `ACTUAL_DATE_IN_FUTURE`); `problems` lists them all.
 */
export function checkInitiativeSnapshot(plain: unknown, now: number = Date.now()): SnapshotCheck {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return {
      ok: false,
      reason: 'SCHEMA',
      problems: [{ field: 'data', rule: 'isObject', message: 'data must be an object', reason: 'SCHEMA' }],
    };
  }
  const shape = snapshotShapeProblems(plain);
  if (shape.length > 0)
    return { ok: false, reason: 'SCHEMA', problems: shape.map((p) => ({ ...p, reason: 'SCHEMA' })) };
  const snapshot = plain as InitiativeSnapshot;
  const problems = initiativeRuleViolations(snapshot, now);
  return problems.length ? { ok: false, reason: problems[0].reason, problems } : { ok: true, snapshot };
}

export type WithdrawalCheck =
  | { ok: true; withdrawal: InitiativeWithdrawal }
  | { ok: false; reason: SnapshotRejectReason; problems: RuleViolation[] };

/**
 * Everything a consumer checks of a withdrawal tombstone on its own (`ctp:initiative-withdrawal:v1`): its shape (closed,
 * like the snapshot's: a field it does not define, content fields included, is `SCHEMA`), then the rules of its
 * identity and text (`withdrawalRuleViolations`). The same verdicts and reasons as `checkInitiativeSnapshot`.
 */
export function checkInitiativeWithdrawal(plain: unknown, now: number = Date.now()): WithdrawalCheck {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return {
      ok: false,
      reason: 'SCHEMA',
      problems: [{ field: 'data', rule: 'isObject', message: 'data must be an object', reason: 'SCHEMA' }],
    };
  }
  const shape = withdrawalShapeProblems(plain);
  if (shape.length > 0)
    return { ok: false, reason: 'SCHEMA', problems: shape.map((p) => ({ ...p, reason: 'SCHEMA' })) };
  const withdrawal = plain as InitiativeWithdrawal;
  const problems = withdrawalRuleViolations(withdrawal, now);
  return problems.length ? { ok: false, reason: problems[0].reason, problems } : { ok: true, withdrawal };
}

/**
 * The data of an initiative event, judged as its type allows (consumer rule 5): a whole snapshot on every type, and on
 * `ctp.initiative.withdrawn.v1` a tombstone too (`isWithdrawalTombstone`: no content field at all). The one check the
 * platform and partner-liaison apply to what they receive.
 */
export function checkInitiativeEventData(
  type: string,
  plain: unknown,
  now: number = Date.now(),
): SnapshotCheck | WithdrawalCheck {
  return type === InitiativeEventType.Withdrawn && isWithdrawalTombstone(plain)
    ? checkInitiativeWithdrawal(plain, now)
    : checkInitiativeSnapshot(plain, now);
}
