import { FieldProblem, InitiativeStatus, transitionProblem } from '@ctp/contracts';

/** Domain errors of the hub's initiatives. Only the edges (HTTP, NATS intake) turn them into statuses or replies. */
export abstract class InitiativeError extends Error {
  abstract readonly details: FieldProblem[];
}

/** The request is not a well-formed initiative (types, enumerations, unknown fields): HTTP 400. */
export class MalformedInitiative extends InitiativeError {
  constructor(readonly details: FieldProblem[]) {
    super(`invalid request: ${[...new Set(details.map((d) => d.field))].join(', ')}`);
  }
}

/** Well-formed, but breaks a rule of the model (dates, countries, status and dates): HTTP 422. */
export class InitiativeRuleViolation extends InitiativeError {
  constructor(readonly details: FieldProblem[]) {
    super(
      `the initiative breaks ${details.length === 1 ? 'a rule' : `${details.length} rules`}: ${details.map((d) => d.message).join('; ')}`,
    );
  }
}

export class InvalidTransition extends InitiativeError {
  readonly details: FieldProblem[];
  constructor(
    readonly from: InitiativeStatus,
    readonly to: InitiativeStatus,
    allowed: readonly InitiativeStatus[],
  ) {
    super(`status cannot change from ${from} to ${to}`);
    this.details = [transitionProblem(from, to, allowed)];
  }
}

export class InitiativeAlreadyExists extends InitiativeError {
  readonly details: FieldProblem[];
  constructor(readonly initiativeId: string) {
    super(`initiative ${initiativeId} already exists`);
    this.details = [
      { field: 'localId', rule: 'unique', message: `${initiativeId} is already reported; replace it with PUT` },
    ];
  }
}

export class InitiativeNotFound extends InitiativeError {
  readonly details: FieldProblem[] = [];
  constructor(readonly initiativeId: string) {
    super(`initiative ${initiativeId} not found at this hub`);
  }
}

/** The id is under another organisation's prefix: this hub may not touch it. */
export class NotOwnInitiative extends InitiativeError {
  readonly details: FieldProblem[];
  constructor(
    readonly initiativeId: string,
    ownPrefix: string,
  ) {
    super(`${initiativeId} is not this hub's: it can only change ids under ${ownPrefix}`);
    this.details = [{ field: 'initiativeId', rule: 'ownPrefix', message: this.message }];
  }
}

export class VersionMismatch extends InitiativeError {
  readonly details: FieldProblem[];
  constructor(
    readonly initiativeId: string,
    readonly expected: number,
    readonly current: number,
  ) {
    super(`${initiativeId} is at version ${current}, not ${expected}: read it again and re-apply your change`);
    this.details = [{ field: 'If-Match', rule: 'currentVersion', message: this.message }];
  }
}

/**
 * A replacement carried a server-managed field (initiativeId, localId, reportingOrg, withdrawal) that contradicts the
 * record its path names: HTTP 409, each such field named.
 */
export class ContradictsRecord extends InitiativeError {
  constructor(
    readonly initiativeId: string,
    readonly details: FieldProblem[],
  ) {
    super(
      `the body contradicts ${initiativeId} on ${details.map((d) => d.field).join(', ')}: send those fields as read, or leave them out`,
    );
  }
}

/** A replacement's body carried another version than its If-Match: HTTP 412, like a stale If-Match. */
export class ContradictsIfMatch extends InitiativeError {
  constructor(
    readonly initiativeId: string,
    readonly details: FieldProblem[],
  ) {
    super(`the body's version is not the If-Match version: ${details.map((d) => d.message).join('; ')}`);
  }
}

export class InitiativeWithdrawn extends InitiativeError {
  readonly details: FieldProblem[];
  constructor(readonly initiativeId: string) {
    super(`${initiativeId} was withdrawn and cannot be changed`);
    this.details = [{ field: 'initiativeId', rule: 'notWithdrawn', message: this.message }];
  }
}

export class IdempotencyKeyReused extends InitiativeError {
  readonly details: FieldProblem[];
  constructor(readonly key: string) {
    super(`Idempotency-Key ${key} was already used for a different request`);
    this.details = [{ field: 'Idempotency-Key', rule: 'sameRequest', message: this.message }];
  }
}
