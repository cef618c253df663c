import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorBody, reasonPhrase } from '@ctp/observability';
import {
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
  WebhookNotSet,
} from '../domain/partner-errors';

/** The one place partner-liaison's domain errors become HTTP statuses. */
export function statusOf(err: PartnerError): number {
  if (err instanceof MalformedRequest) return 400;
  if (err instanceof PartnerNotFound || err instanceof InitiativeNotFound) return 404;
  if (err instanceof PartnerAlreadyExists || err instanceof InitiativeWithdrawn || err instanceof WebhookNotSet) {
    return 409;
  }
  if (err instanceof UnsupportedMediaType) return 415;
  if (err instanceof TooManyRows) return 413;
  if (err instanceof RuleViolation || err instanceof InvalidTransition) return 422;
  return 500;
}

export function errorBodyOf(err: PartnerError): ErrorBody {
  const statusCode = statusOf(err);
  return { statusCode, error: reasonPhrase(statusCode), message: err.message, details: err.details };
}

@Catch(PartnerError)
export class PartnerErrorFilter implements ExceptionFilter {
  catch(err: PartnerError, host: ArgumentsHost): void {
    const body = errorBodyOf(err);
    host.switchToHttp().getResponse<Response>().status(body.statusCode).json(body);
  }
}
