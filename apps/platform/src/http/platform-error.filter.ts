import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorBody, reasonPhrase, sendError } from '@ctp/observability';
import {
  EventNotReceived,
  InvalidDecision,
  OverlapPairNotFound,
  PlatformError,
  RecordNotInRegistry,
} from '../platform-errors';

/** The one place the platform's domain errors become HTTP statuses. */
export function statusOf(err: PlatformError): number {
  if (err instanceof InvalidDecision) return 400;
  if (err instanceof RecordNotInRegistry || err instanceof OverlapPairNotFound || err instanceof EventNotReceived) {
    return 404;
  }
  return 500;
}

export function errorBodyOf(err: PlatformError): ErrorBody {
  const statusCode = statusOf(err);
  return { statusCode, error: reasonPhrase(statusCode), message: err.message, details: err.details };
}

@Catch(PlatformError)
export class PlatformErrorFilter implements ExceptionFilter {
  catch(err: PlatformError, host: ArgumentsHost): void {
    sendError(host.switchToHttp().getResponse<Response>(), errorBodyOf(err));
  }
}
