import { FieldProblem, InitiativeStatus, transitionProblem } from '@ctp/contracts';

/** Domain errors of the partner registry and of partners' initiatives. Only the HTTP edge turns them into statuses. */
export abstract class PartnerError extends Error {
  abstract readonly details: FieldProblem[];
}

/** The request is not well formed (types, enumerations, patterns, unknown fields, a CSV without hashtags): 400. */
export class MalformedRequest extends PartnerError {
  constructor(
    readonly details: FieldProblem[],
    message = `invalid request: ${[...new Set(details.map((d) => d.field))].join(', ')}`,
  ) {
    super(message);
  }
}

/** Well formed, but breaks a rule (dates, status and dates, countries, a ref that is not PT-<acronym>): 422. */
export class RuleViolation extends PartnerError {
  constructor(readonly details: FieldProblem[]) {
    super(
      `${details.length === 1 ? 'a rule is' : `${details.length} rules are`} broken: ${details.map((d) => d.message).join('; ')}`,
    );
  }
}

export class InvalidTransition extends PartnerError {
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

export class PartnerNotFound extends PartnerError {
  readonly details: FieldProblem[];
  constructor(readonly ref: string) {
    super(`partner ${ref} is not registered`);
    this.details = [{ field: 'ref', rule: 'registered', message: this.message }];
  }
}

export class PartnerAlreadyExists extends PartnerError {
  readonly details: FieldProblem[];
  constructor(readonly ref: string) {
    super(`partner ${ref} is already registered; change it with PUT /partners/${ref}`);
    this.details = [{ field: 'ref', rule: 'unique', message: this.message }];
  }
}

export class InitiativeNotFound extends PartnerError {
  readonly details: FieldProblem[];
  constructor(readonly initiativeId: string) {
    super(`initiative ${initiativeId} was never reported by this partner`);
    this.details = [{ field: 'localId', rule: 'reported', message: this.message }];
  }
}

export class InitiativeWithdrawn extends PartnerError {
  readonly details: FieldProblem[];
  constructor(readonly initiativeId: string) {
    super(`${initiativeId} was withdrawn and cannot be changed`);
    this.details = [{ field: 'initiativeId', rule: 'notWithdrawn', message: this.message }];
  }
}

/** A replacement whose If-Match is not the record's current version (someone changed it since it was read): 412. */
export class VersionMismatch extends PartnerError {
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
export class ContradictsRecord extends PartnerError {
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
export class ContradictsIfMatch extends PartnerError {
  constructor(
    readonly initiativeId: string,
    readonly details: FieldProblem[],
  ) {
    super(`the body's version is not the If-Match version: ${details.map((d) => d.message).join('; ')}`);
  }
}

/** A CSV import sent with another media type: 415. */
export class UnsupportedMediaType extends PartnerError {
  readonly details: FieldProblem[];
  constructor(received: string | undefined) {
    super(`send the file as the request body with Content-Type: text/csv (got ${received ?? 'no Content-Type'})`);
    this.details = [{ field: 'Content-Type', rule: 'isIn', message: this.message }];
  }
}

/** A webhook secret rotation for a partner without a webhook: 409. */
export class WebhookNotSet extends PartnerError {
  readonly details: FieldProblem[];
  constructor(readonly ref: string) {
    super(`partner ${ref} has no webhook: set webhook.url with PUT /partners/${ref} first (that generates a secret)`);
    this.details = [{ field: 'webhook', rule: 'webhookSet', message: this.message }];
  }
}

/** A CSV import of more rows than one request may carry (bounded work per request): 413, nothing imported. */
export class TooManyRows extends PartnerError {
  readonly details: FieldProblem[];
  constructor(rows: number, max: number) {
    super(`the CSV file has ${rows} rows; at most ${max} per import: split it and send the parts one by one`);
    this.details = [{ field: 'body', rule: 'maxRows', message: this.message }];
  }
}
