import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { DomainErrorStatuses, ErrorBody } from '@ctp/observability';
import {
  ConsoleNotBuilt,
  ConsoleNotConfigured,
  EventNotReceived,
  InvalidDecision,
  OverlapPairNotFound,
  PlatformError,
  RecordNotInRegistry,
  StreamCapacityReached,
  TooManyStreams,
} from '../platform-errors';

/** The one place the platform's domain errors become HTTP statuses. */
const STATUSES = new DomainErrorStatuses<PlatformError>([
  [InvalidDecision, 400],
  [RecordNotInRegistry, 404],
  [OverlapPairNotFound, 404],
  [EventNotReceived, 404],
  [ConsoleNotConfigured, 404],
  [ConsoleNotBuilt, 503],
  [TooManyStreams, 429],
  [StreamCapacityReached, 503],
]);

export const statusOf = (err: PlatformError): number => STATUSES.statusOf(err);
export const errorBodyOf = (err: PlatformError): ErrorBody => STATUSES.bodyOf(err);

@Catch(PlatformError)
export class PlatformErrorFilter implements ExceptionFilter {
  catch(err: PlatformError, host: ArgumentsHost): void {
    STATUSES.send(err, host);
  }
}
