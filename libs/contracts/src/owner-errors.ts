import { InitiativeStatus } from './initiative';
import { transitionProblem } from './initiative-rules';
import { FieldProblem } from './field-problem';

/*
 * The errors of an owner of initiatives (a hub for its own, partner-liaison for its partners'), the same in both: each
 * names the fields and rules it breaks in `details`. Domain errors: only the edges (HTTP, NATS intake) turn them into
 * statuses, through each service's table (400 malformed, 409 withdrawn or contradicting the record, 412 version, 422
 * rule or transition). Each service derives its own errors from `OwnerError` too, so one `instanceof` finds them all.
 */

export abstract class OwnerError extends Error {
  abstract readonly details: FieldProblem[];
}

/** The request is not well formed (types, enumerations, patterns, unknown fields): 400. */
export class MalformedRequest extends OwnerError {
  constructor(
    readonly details: FieldProblem[],
    message = `invalid request: ${[...new Set(details.map((d) => d.field))].join(', ')}`,
  ) {
    super(message);
  }
}

/** Well formed, but breaks a rule of the model (dates, countries, status and dates): 422. `subject` names what breaks it. */
export class RulesBroken extends OwnerError {
  constructor(
    readonly details: FieldProblem[],
    subject = 'the initiative',
  ) {
    super(
      `${subject} breaks ${details.length === 1 ? 'a rule' : `${details.length} rules`}: ${details.map((d) => d.message).join('; ')}`,
    );
  }
}

/** A status change the lifecycle does not allow: 422, naming the statuses it allows. */
export class InvalidTransition extends OwnerError {
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

/** A change to a withdrawn record (nothing follows a withdrawal): 409. */
export class InitiativeWithdrawn extends OwnerError {
  readonly details: FieldProblem[];
  constructor(readonly initiativeId: string) {
    super(`${initiativeId} was withdrawn and cannot be changed`);
    this.details = [{ field: 'initiativeId', rule: 'notWithdrawn', message: this.message }];
  }
}

/** A change whose If-Match is not the record's current version (someone changed it since it was read): 412. */
export class VersionMismatch extends OwnerError {
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
 * record its path names: 409, each such field named.
 */
export class ContradictsRecord extends OwnerError {
  constructor(
    readonly initiativeId: string,
    readonly details: FieldProblem[],
  ) {
    super(
      `the body contradicts ${initiativeId} on ${details.map((d) => d.field).join(', ')}: send those fields as read, or leave them out`,
    );
  }
}

/** A replacement's body carried another version than its If-Match: 412, like a stale If-Match. */
export class ContradictsIfMatch extends OwnerError {
  constructor(
    readonly initiativeId: string,
    readonly details: FieldProblem[],
  ) {
    super(`the body's version is not the If-Match version: ${details.map((d) => d.message).join('; ')}`);
  }
}
