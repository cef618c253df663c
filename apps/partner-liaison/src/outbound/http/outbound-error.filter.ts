import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorBody, reasonPhrase } from '@ctp/observability';
import {
  DeliveryNotFound,
  DeliveryNotResendable,
  DeliveryWithheld,
  OutboundError,
  PartnerNotFound,
} from '../domain/outbound-errors';

/** The one place the outbound side's domain errors become HTTP statuses. */
export function statusOf(err: OutboundError): number {
  if (err instanceof PartnerNotFound || err instanceof DeliveryNotFound) return 404;
  if (err instanceof DeliveryNotResendable) return 409;
  if (err instanceof DeliveryWithheld) return 410;
  return 500;
}

@Catch(OutboundError)
export class OutboundErrorFilter implements ExceptionFilter {
  catch(err: OutboundError, host: ArgumentsHost): void {
    const statusCode = statusOf(err);
    const body: ErrorBody = { statusCode, error: reasonPhrase(statusCode), message: err.message, details: err.details };
    host.switchToHttp().getResponse<Response>().status(body.statusCode).json(body);
  }
}
