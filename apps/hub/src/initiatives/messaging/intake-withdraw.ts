import {
  FieldProblem,
  initiativeId as makeInitiativeId,
  LOCAL_ID_PATTERN,
  withdrawalReasonProblems,
} from '@ctp/contracts';
import { MalformedInitiative } from '../domain/initiative-errors';

/** The fields of a withdrawal request (IntakeWithdrawRequestV1); any other is refused. */
const WITHDRAW_FIELDS = new Set(['localId', 'initiativeId', 'reason', 'expectedVersion']);

/** What a withdrawal request on `ctp-intake.hub.<region>.initiatives.withdraw` asks for. */
export interface IntakeWithdrawal {
  initiativeId: string;
  reason: string;
  expectedVersion?: number;
}

/**
 * Reads a withdrawal request's body: `localId` (or the `initiativeId` the hub gave back, or both naming the same
 * record), `reason`, optionally `expectedVersion`, nothing else. Every problem is named at once (400); whose record it
 * is, whether it exists, is withdrawn or at that version is the use case's to say, as over REST.
 */
export function intakeWithdrawalOf(body: unknown, orgRef: string): IntakeWithdrawal {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MalformedInitiative([
      {
        field: 'body',
        rule: 'isObject',
        message: 'a withdrawal is a JSON object: { localId (or initiativeId), reason, expectedVersion? }',
      },
    ]);
  }
  const fields = body as Record<string, unknown>;
  const problems: FieldProblem[] = Object.keys(fields)
    .filter((key) => !WITHDRAW_FIELDS.has(key))
    .map((key) => ({ field: key, rule: 'whitelistValidation', message: `property ${key} should not exist` }));

  const { localId, initiativeId, reason, expectedVersion } = fields;
  if (localId !== undefined && (typeof localId !== 'string' || !LOCAL_ID_PATTERN.test(localId))) {
    problems.push({ field: 'localId', rule: 'matches', message: 'localId must match [A-Za-z0-9._-]{1,40}' });
  }
  if (initiativeId !== undefined && (typeof initiativeId !== 'string' || !/^.{1,200}$/u.test(initiativeId))) {
    problems.push({ field: 'initiativeId', rule: 'isString', message: 'initiativeId must be 1 to 200 characters' });
  }
  if (localId === undefined && initiativeId === undefined) {
    problems.push({
      field: 'localId',
      rule: 'isDefined',
      message: 'localId (or initiativeId) is required: which record to withdraw',
    });
  }
  const fromLocalId = typeof localId === 'string' ? makeInitiativeId(orgRef, localId) : undefined;
  if (fromLocalId !== undefined && typeof initiativeId === 'string' && initiativeId !== fromLocalId) {
    problems.push({
      field: 'initiativeId',
      rule: 'matchesLocalId',
      message: `initiativeId ${initiativeId} is not the record localId ${String(localId)} names (${fromLocalId}): send one of them`,
    });
  }
  if (expectedVersion !== undefined && (!Number.isInteger(expectedVersion) || (expectedVersion as number) < 1)) {
    problems.push({ field: 'expectedVersion', rule: 'isInt', message: 'expectedVersion must be an integer >= 1' });
  }
  problems.push(...withdrawalReasonProblems(reason));
  if (problems.length) throw new MalformedInitiative(problems);
  return {
    initiativeId: (initiativeId as string | undefined) ?? fromLocalId!,
    reason: reason as string,
    ...(expectedVersion !== undefined ? { expectedVersion: expectedVersion as number } : {}),
  };
}
