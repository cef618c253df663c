import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { InitiativeSnapshot } from './initiative';
import { initiativeRuleViolations, RuleViolation, SnapshotRejectReason } from './initiative-rules';
import { InitiativeContentV1, InitiativeSnapshotV1 } from './initiative.v1.dto';

/** One bad field: where it is (`title.lang`), which rule it broke (`isIn`) and a sentence for a person. */
export interface FieldProblem {
  field: string;
  rule: string;
  message: string;
}

/** Flattens class-validator's nested errors into one entry per bad field and rule. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = parent
      ? /^\d+$/.test(e.property)
        ? `${parent}[${e.property}]`
        : `${parent}.${e.property}`
      : e.property;
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
  return flattenValidationErrors(validateSync(plainToInstance(InitiativeContentV1, plain), VALIDATOR_OPTIONS));
}

/**
 * Everything a consumer checks of a snapshot on its own (DOMAIN.md consumer rule 5): its shape, then how its fields
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
  const shape = flattenValidationErrors(validateSync(plainToInstance(InitiativeSnapshotV1, plain), VALIDATOR_OPTIONS));
  if (shape.length > 0)
    return { ok: false, reason: 'SCHEMA', problems: shape.map((p) => ({ ...p, reason: 'SCHEMA' })) };
  const snapshot = plain as InitiativeSnapshot;
  const problems = initiativeRuleViolations(snapshot, now);
  return problems.length ? { ok: false, reason: problems[0].reason, problems } : { ok: true, snapshot };
}
