import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { INITIATIVE_ERROR_STATUSES } from '../application/initiative-error-statuses';
import { InitiativeError } from '../domain/initiative-errors';

@Catch(InitiativeError)
export class InitiativeErrorFilter implements ExceptionFilter {
  catch(err: InitiativeError, host: ArgumentsHost): void {
    INITIATIVE_ERROR_STATUSES.send(err, host);
  }
}
