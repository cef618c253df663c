import { PermanentEventError } from './errors';

/** Why a failure can never succeed on a retry: a stable code (dead-letter reason, metric label) and words for a person. */
export interface PermanentFailure {
  /** e.g. `SCHEMA` (a PermanentEventError's own reason) or `SQLSTATE_22008`. */
  reason: string;
  /** e.g. `SQLSTATE 22008 (data exception): date/time field value out of range: "0000-01-01"`. */
  detail: string;
  /** The PostgreSQL error code, when the failure is the database's verdict. */
  sqlState?: string;
}

/**
 * SQLSTATEs that say the event's own values cannot be stored, whoever else is writing and whatever is deployed:
 * retrying cannot help, only different input can. An allow-list of data exceptions caused by a value:
 * 22008 date/time out of range (a year 0000), 22007 invalid date/time format, 22003 numeric out of range, 22001 a
 * string too long for its column, 22021 / 22P05 an invalid byte sequence or untranslatable character (a NUL), 22P02
 * invalid text representation; and 54000, a value too large to index.
 *
 * Deliberately NOT permanent (retried, and dead-lettered only past the delivery limit):
 * - the rest of class 22 (2200H a sequence of ours exhausted, 22012 a division by zero — a bug), 23502 not-null and
 *   23514 check violations: they can come from our own deployment (a NOT NULL column added while the old code still
 *   runs) as much as from the event;
 * - 23505 unique, 23503 foreign-key and 23P01 exclusion violations: they depend on other rows, and a concurrent writer
 *   (two deliveries of one event racing, a parent row committed a moment later) makes them go away on a retry;
 * - class 40 (40001 serialization failure, 40P01 deadlock), 55P03 lock not available, 57014 statement timeout or
 *   cancel, class 53 (out of memory, disk, connections), class 08 and 57P0x (connection, shutdown): about the moment,
 *   not the event;
 * - class 42 (syntax, undefined table or column, insufficient privilege) and XX (internal): a fault of the software or
 *   of its deployment (a migration not run, a role not granted). Every event fails alike until it is fixed; dead-lettering
 *   them all at once would turn an operator's mistake into a mass of dead letters.
 */
const PERMANENT_SQLSTATES: ReadonlyMap<string, string> = new Map([
  ['22008', 'data exception'],
  ['22007', 'data exception'],
  ['22003', 'data exception'],
  ['22001', 'data exception'],
  ['22021', 'data exception'],
  ['22P05', 'data exception'],
  ['22P02', 'data exception'],
  ['54000', 'program limit exceeded'],
]);

/** The PostgreSQL error code of an error (node-postgres' DatabaseError, TypeORM's QueryFailedError or a `cause`). */
export function sqlStateOf(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 3) return undefined;
  const e = err as { code?: unknown; driverError?: unknown; cause?: unknown; severity?: unknown };
  // A SQLSTATE is five characters of digits and upper-case letters; Node's own codes (ECONNREFUSED) are not.
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && /^[0-9]/.test(e.code)) return e.code;
  return sqlStateOf(e.driverError, depth + 1) ?? sqlStateOf(e.cause, depth + 1);
}

/** Whether this SQLSTATE is one PostgreSQL would answer again for the same statement and values. */
export function isPermanentSqlState(code: string): boolean {
  return PERMANENT_SQLSTATES.has(code);
}

/**
 * Whether `err` can never succeed however often the work is retried, and why: a PermanentEventError (its reason and
 * message), or a PostgreSQL error whose SQLSTATE says so (see above; reason `SQLSTATE_<code>`). Anything else —
 * connection errors, timeouts, serialization failures, deadlocks, unique violations, a bug in our code — is
 * undefined: transient, worth a retry.
 */
export function permanentFailureOf(err: unknown): PermanentFailure | undefined {
  if (err instanceof PermanentEventError) return { reason: err.reason, detail: err.message };
  const code = sqlStateOf(err);
  if (!code || !isPermanentSqlState(code)) return undefined;
  const name = PERMANENT_SQLSTATES.get(code);
  const message = databaseMessageOf(err) ?? 'the database refused the values';
  const constraint = constraintOf(err);
  return {
    reason: `SQLSTATE_${code}`,
    detail: `SQLSTATE ${code} (${name}): ${message}${constraint ? ` (constraint ${constraint})` : ''}`,
    sqlState: code,
  };
}

export function isPermanentFailure(err: unknown): boolean {
  return permanentFailureOf(err) !== undefined;
}

/**
 * The database's own message, on one line and bounded. Not its `detail` field: for a check violation that is the whole
 * failing row ("Failing row contains (…)"), which has no place in a log line or a dead letter's header.
 */
function databaseMessageOf(err: unknown): string | undefined {
  const e = err as { message?: unknown; driverError?: { message?: unknown } };
  const raw = typeof e.driverError?.message === 'string' ? e.driverError.message : e.message;
  if (typeof raw !== 'string' || raw === '') return undefined;
  return raw.replace(/[\r\n]+/g, ' ').slice(0, 300);
}

function constraintOf(err: unknown): string | undefined {
  const e = err as { constraint?: unknown; driverError?: { constraint?: unknown } };
  const c = e.constraint ?? e.driverError?.constraint;
  return typeof c === 'string' && c !== '' ? c : undefined;
}
