import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorBody, reasonPhrase, sendError } from '@ctp/observability';
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

/** The one place the hub's domain errors become HTTP statuses. */
export function statusOf(err: InitiativeError): number {
  if (err instanceof MalformedInitiative) return 400;
  if (err instanceof NotOwnInitiative) return 403;
  if (err instanceof InitiativeNotFound) return 404;
  if (err instanceof InitiativeAlreadyExists || err instanceof InitiativeWithdrawn) return 409;
  if (err instanceof VersionMismatch) return 412;
  if (
    err instanceof InitiativeRuleViolation ||
    err instanceof InvalidTransition ||
    err instanceof IdempotencyKeyReused
  ) {
    return 422;
  }
  return 500;
}

export function errorBodyOf(err: InitiativeError): ErrorBody {
  const statusCode = statusOf(err);
  return { statusCode, error: reasonPhrase(statusCode), message: err.message, details: err.details };
}

@Catch(InitiativeError)
export class InitiativeErrorFilter implements ExceptionFilter {
  catch(err: InitiativeError, host: ArgumentsHost): void {
    const body = errorBodyOf(err);
    sendError(host.switchToHttp().getResponse<Response>(), body);
  }
}
