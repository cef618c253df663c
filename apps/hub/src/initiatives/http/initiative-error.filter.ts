import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { DomainErrorStatuses, ErrorBody } from '@ctp/observability';
import {
  IdempotencyKeyReused,
  InitiativeAlreadyExists,
  InitiativeError,
  InitiativeNotFound,
  InitiativeRuleViolation,
  InitiativeWithdrawn,
  InvalidTransition,
  MalformedInitiative,
  NotOwnInitiative,
  VersionMismatch,
} from '../domain/initiative-errors';

/** The one place the hub's domain errors become HTTP statuses (NATS intake answers with the same bodies). */
const STATUSES = new DomainErrorStatuses<InitiativeError>([
  [MalformedInitiative, 400],
  [NotOwnInitiative, 403],
  [InitiativeNotFound, 404],
  [InitiativeAlreadyExists, 409],
  [InitiativeWithdrawn, 409],
  [VersionMismatch, 412],
  [InitiativeRuleViolation, 422],
  [InvalidTransition, 422],
  [IdempotencyKeyReused, 422],
]);

export const statusOf = (err: InitiativeError): number => STATUSES.statusOf(err);
export const errorBodyOf = (err: InitiativeError): ErrorBody => STATUSES.bodyOf(err);

@Catch(InitiativeError)
export class InitiativeErrorFilter implements ExceptionFilter {
  catch(err: InitiativeError, host: ArgumentsHost): void {
    STATUSES.send(err, host);
  }
}
