/**
 * A message that will never succeed however often it is retried (undecodable, invalid envelope, a handler's verdict
 * that the content is unusable). It is dead-lettered at once, with `reason`, instead of being redelivered.
 */
export class PermanentEventError extends Error {
  constructor(
    readonly reason: string,
    message?: string,
  ) {
    super(message ?? reason);
    this.name = 'PermanentEventError';
  }
}

/** Node's codes for a connection that could not be made or was lost. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** PostgreSQL: shutting down (admin, crash), starting up or in recovery, no connection slot left. Class 08 as well. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres and its pool say these without a code. */
const CONNECTION_LOST_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
];

/**
 * Whether a failure means the database could not be reached (server down, restarting, in recovery, out of
 * connections; connection refused or lost), as opposed to anything about the event or the work done for it. Such a
 * failure is no event's fault: the transport retries the event for as long as it takes and never dead-letters it for
 * that. Looks through TypeORM's `driverError` and `cause`.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (CONNECTION_LOST_MESSAGES.some((re) => re.test(message))) return true;
  return isDatabaseUnavailable(e.driverError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}

/**
 * A handler's own "not available yet, try again" (an HTTP 503 `HttpException`, e.g. a hub before its start-up check
 * against its stream is done): no event's fault either, retried like an unreachable database, never dead-lettered for it.
 */
export function isNotAvailableYet(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const getStatus = (err as { getStatus?: unknown }).getStatus;
  return typeof getStatus === 'function' && getStatus.call(err) === 503;
}
