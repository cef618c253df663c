import { redeliveryDelayMs } from './backoff';
import { isDatabaseUnavailable, isNotAvailableYet, PermanentEventError } from './errors';
import { permanentFailureOf } from './permanent-failure';

/** Dead-letter the message now, acked, with this reason (dead letter header, metric label) and detail. */
export interface DeadLetterNow {
  action: 'DEAD_LETTER';
  reason: string;
  detail: string;
}

/** Nak the message: the broker delivers it again after `delayMs`. */
export interface RedeliverLater {
  action: 'REDELIVER';
  delayMs: number;
  /** It failed because the database could not be reached: retried for as long as that lasts, never dead-lettered. */
  databaseUnavailable: boolean;
}

export type FailureDecision = DeadLetterNow | RedeliverLater;

/**
 * What to do with an event whose own transaction failed with `err` on its `deliveryCount`-th delivery: no I/O, the
 * transport carries it out.
 *
 * - What no retry can fix (a PermanentEventError, a value PostgreSQL refuses for its type: SQLSTATE class 22, …) is
 *   dead-lettered on this delivery, with the reason and the database's words, not after maxDeliver.
 * - A database that cannot be reached fails every event alike: no reason to give up on this one. It is retried until
 *   the database is back; only a failure while the database answers can dead-letter it past maxDeliver.
 * - Anything else is redelivered with exponential backoff until `maxDeliver` deliveries, then dead-lettered as
 *   `MAX_DELIVER_EXCEEDED`.
 */
export function failureDecision(
  err: unknown,
  deliveryCount: number,
  maxDeliver: number,
  random: () => number = Math.random,
): FailureDecision {
  const permanent = permanentFailureOf(err);
  if (permanent) return { action: 'DEAD_LETTER', reason: permanent.reason, detail: permanent.detail };
  // The database unreachable, or the service not ready yet (503): retried for as long as it takes.
  const databaseUnavailable = isDatabaseUnavailable(err) || isNotAvailableYet(err);
  if (!databaseUnavailable && deliveryCount >= maxDeliver) {
    return { action: 'DEAD_LETTER', reason: 'MAX_DELIVER_EXCEEDED', detail: messageOf(err) };
  }
  return {
    action: 'REDELIVER',
    delayMs: redeliveryDelayMs(deliveryCount, undefined, undefined, random),
    databaseUnavailable,
  };
}

/** A message that cannot be decoded into an envelope is dead-lettered on its first delivery: it touches nothing. */
export function undecodableDecision(err: unknown): DeadLetterNow {
  return {
    action: 'DEAD_LETTER',
    reason: err instanceof PermanentEventError ? err.reason : 'HANDLER_ERROR',
    detail: messageOf(err),
  };
}

/** An error's message; a handler may throw something that is not an Error (Nest's RPC layer does: a plain object). */
export function messageOf(err: unknown): string {
  const m = (err as { message?: unknown } | null | undefined)?.message;
  return typeof m === 'string' ? m : String(err);
}
