import { ErrorBody, toErrorBody } from '@ctp/observability';
import { isDatabaseUnavailable, permanentFailureOf, sqlStateOf } from '@ctp/messaging';
import { InitiativeError } from '../domain/initiative-errors';
import { errorBodyOf } from '../application/initiative-error-statuses';
import { HubNotWritable } from '../../sync/stream-recovery';

/**
 * What an intake failure means for the regional system that sent it:
 * - `refused`: it can never succeed as sent (a domain error: 400/403/404/409/412/422; or a value PostgreSQL refuses
 *   for its type, e.g. SQLSTATE 22008: 422 naming the SQLSTATE). Sending it again changes nothing.
 * - `retry`: it may succeed later (the database unreachable, a pool timeout, a serialization failure, a deadlock, a
 *   unique violation from a concurrent writer, …): 503.
 * - `internal`: not the sender's fault and no reason to think a retry helps (a bug): 500, logged with its stack.
 */
export type IntakeFailure =
  { kind: 'refused'; body: ErrorBody } | { kind: 'retry'; body: ErrorBody } | { kind: 'internal'; body: ErrorBody };

export function intakeFailureOf(err: unknown): IntakeFailure {
  if (err instanceof InitiativeError) return { kind: 'refused', body: errorBodyOf(err) };
  // The start-up check against the stream is not done yet: the same request succeeds in a moment.
  if (err instanceof HubNotWritable) return { kind: 'retry', body: toErrorBody(err) };
  const permanent = permanentFailureOf(err);
  if (permanent) {
    return {
      kind: 'refused',
      body: {
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: `the hub cannot store this record: ${permanent.detail}`,
        details: [{ field: 'body', rule: 'storable', message: permanent.detail }],
      },
    };
  }
  if (isDatabaseUnavailable(err) || sqlStateOf(err) !== undefined) {
    return {
      kind: 'retry',
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the hub could not store the change now; retry',
        details: [],
      },
    };
  }
  return {
    kind: 'internal',
    body: { statusCode: 500, error: 'Internal Server Error', message: 'internal error', details: [] },
  };
}

/** One line for an event's outcome: `<status> <what>: <field: message; …>`, at most 1,000 characters. */
export function rejectionReasonOf(err: unknown, failure: IntakeFailure): string {
  const what = err instanceof InitiativeError ? err.constructor.name : 'NotStorable';
  const detail = failure.body.details.map((d) => `${d.field}: ${d.message}`).join('; ') || failure.body.message;
  return `${failure.body.statusCode} ${what}: ${detail}`.slice(0, 1000);
}
