import { FieldProblem, OwnerError } from '@ctp/contracts';

/*
 * Domain errors of the hub's initiatives. Only the edges (HTTP, NATS intake) turn them into statuses or replies. Those an
 * owner of initiatives shares with partner-liaison live in @ctp/contracts (owner-errors.ts), under the names used here.
 */
export {
  ContradictsIfMatch,
  ContradictsRecord,
  InitiativeWithdrawn,
  InvalidTransition,
  MalformedRequest as MalformedInitiative,
  OwnerError as InitiativeError,
  RulesBroken as InitiativeRuleViolation,
  VersionMismatch,
} from '@ctp/contracts';

export class InitiativeAlreadyExists extends OwnerError {
  readonly details: FieldProblem[];
  constructor(readonly initiativeId: string) {
    super(`initiative ${initiativeId} already exists`);
    this.details = [
      { field: 'localId', rule: 'unique', message: `${initiativeId} is already reported; replace it with PUT` },
    ];
  }
}

export class InitiativeNotFound extends OwnerError {
  readonly details: FieldProblem[] = [];
  constructor(readonly initiativeId: string) {
    super(`initiative ${initiativeId} not found at this hub`);
  }
}

/** The id is under another organisation's prefix: this hub may not touch it. */
export class NotOwnInitiative extends OwnerError {
  readonly details: FieldProblem[];
  constructor(
    readonly initiativeId: string,
    ownPrefix: string,
  ) {
    super(`${initiativeId} is not this hub's: it can only change ids under ${ownPrefix}`);
    this.details = [{ field: 'initiativeId', rule: 'ownPrefix', message: this.message }];
  }
}

export class IdempotencyKeyReused extends OwnerError {
  readonly details: FieldProblem[];
  constructor(readonly key: string) {
    super(`Idempotency-Key ${key} was already used for a different request`);
    this.details = [{ field: 'Idempotency-Key', rule: 'sameRequest', message: this.message }];
  }
}
