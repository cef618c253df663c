import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { DomainErrorStatuses, ErrorBody } from '@ctp/observability';
import {
  ContradictsIfMatch,
  ContradictsRecord,
  InitiativeNotFound,
  InitiativeWithdrawn,
  InvalidTransition,
  MalformedRequest,
  PartnerAlreadyExists,
  PartnerError,
  PartnerNotFound,
  RuleViolation,
  TooManyRows,
  UnsupportedMediaType,
  VersionMismatch,
  WebhookNotSet,
} from '../domain/partner-errors';

/** The one place partner-liaison's domain errors become HTTP statuses. */
const STATUSES = new DomainErrorStatuses<PartnerError>([
  [MalformedRequest, 400],
  [PartnerNotFound, 404],
  [InitiativeNotFound, 404],
  [PartnerAlreadyExists, 409],
  [InitiativeWithdrawn, 409],
  [WebhookNotSet, 409],
  [ContradictsRecord, 409],
  [VersionMismatch, 412],
  [ContradictsIfMatch, 412],
  [UnsupportedMediaType, 415],
  [TooManyRows, 413],
  [RuleViolation, 422],
  [InvalidTransition, 422],
]);

export const statusOf = (err: PartnerError): number => STATUSES.statusOf(err);
export const errorBodyOf = (err: PartnerError): ErrorBody => STATUSES.bodyOf(err);

@Catch(PartnerError)
export class PartnerErrorFilter implements ExceptionFilter {
  catch(err: PartnerError, host: ArgumentsHost): void {
    STATUSES.send(err, host);
  }
}
