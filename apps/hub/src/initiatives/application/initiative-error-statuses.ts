import { DomainErrorStatuses, ErrorBody } from '@ctp/observability';
import {
  ContradictsIfMatch,
  ContradictsRecord,
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

/**
 * The one place the hub's domain errors become statuses and error bodies: HTTP answers them, and NATS intake replies
 * with the same bodies (a NestJS client reads `statusCode`), so both edges read them from here.
 */
export const INITIATIVE_ERROR_STATUSES = new DomainErrorStatuses<InitiativeError>([
  [MalformedInitiative, 400],
  [NotOwnInitiative, 403],
  [InitiativeNotFound, 404],
  [InitiativeAlreadyExists, 409],
  [InitiativeWithdrawn, 409],
  [ContradictsRecord, 409],
  [VersionMismatch, 412],
  [ContradictsIfMatch, 412],
  [InitiativeRuleViolation, 422],
  [InvalidTransition, 422],
  [IdempotencyKeyReused, 422],
]);

export const statusOf = (err: InitiativeError): number => INITIATIVE_ERROR_STATUSES.statusOf(err);
export const errorBodyOf = (err: InitiativeError): ErrorBody => INITIATIVE_ERROR_STATUSES.bodyOf(err);
