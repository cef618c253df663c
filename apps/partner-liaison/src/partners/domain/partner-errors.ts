import { FieldProblem, OwnerError } from '@ctp/contracts';

/*
 * Domain errors of the partner registry and of partners' initiatives. Only the HTTP edge turns them into statuses.
 * Those an owner of initiatives shares with the hubs live in @ctp/contracts (owner-errors.ts), under the names used here:
 * `MalformedRequest` (400: types, enumerations, patterns, unknown fields, a CSV without hashtags), `RuleViolation`
 * (422: dates, status and dates, countries, a ref that is not PT-<acronym>).
 */
export {
  ContradictsIfMatch,
  ContradictsRecord,
  InitiativeWithdrawn,
  InvalidTransition,
  MalformedRequest,
  OwnerError as PartnerError,
  RulesBroken as RuleViolation,
  VersionMismatch,
} from '@ctp/contracts';

export class PartnerNotFound extends OwnerError {
  readonly details: FieldProblem[];
  constructor(readonly ref: string) {
    super(`partner ${ref} is not registered`);
    this.details = [{ field: 'ref', rule: 'registered', message: this.message }];
  }
}

export class PartnerAlreadyExists extends OwnerError {
  readonly details: FieldProblem[];
  constructor(readonly ref: string) {
    super(`partner ${ref} is already registered; change it with PUT /partners/${ref}`);
    this.details = [{ field: 'ref', rule: 'unique', message: this.message }];
  }
}

export class InitiativeNotFound extends OwnerError {
  readonly details: FieldProblem[];
  constructor(readonly initiativeId: string) {
    super(`initiative ${initiativeId} was never reported by this partner`);
    this.details = [{ field: 'localId', rule: 'reported', message: this.message }];
  }
}

/** A CSV import sent with another media type: 415. */
export class UnsupportedMediaType extends OwnerError {
  readonly details: FieldProblem[];
  constructor(received: string | undefined) {
    super(`send the file as the request body with Content-Type: text/csv (got ${received ?? 'no Content-Type'})`);
    this.details = [{ field: 'Content-Type', rule: 'isIn', message: this.message }];
  }
}

/** A webhook secret rotation for a partner without a webhook: 409. */
export class WebhookNotSet extends OwnerError {
  readonly details: FieldProblem[];
  constructor(readonly ref: string) {
    super(`partner ${ref} has no webhook: set webhook.url with PUT /partners/${ref} first (that generates a secret)`);
    this.details = [{ field: 'webhook', rule: 'webhookSet', message: this.message }];
  }
}

/** A CSV import of more rows than one request may carry (bounded work per request): 413, nothing imported. */
export class TooManyRows extends OwnerError {
  readonly details: FieldProblem[];
  constructor(rows: number, max: number) {
    super(`the CSV file has ${rows} rows; at most ${max} per import: split it and send the parts one by one`);
    this.details = [{ field: 'body', rule: 'maxRows', message: this.message }];
  }
}
