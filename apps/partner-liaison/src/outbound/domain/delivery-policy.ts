/** How a failed webhook delivery is retried. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export type AttemptResult = { ok: true; status: number } | { ok: false; status?: number; error: string };

export type DeliveryAfterAttempt =
  { status: 'DELIVERED' } | { status: 'PENDING'; retryInMs: number } | { status: 'DEAD' };

/** A receiver acknowledges with any 2xx. A redirect, any other status, a network error or a timeout is a failure. */
export function isAcknowledged(httpStatus: number): boolean {
  return httpStatus >= 200 && httpStatus < 300;
}

/**
 * Delay before attempt `attemptsMade + 1`: `baseMs` after the first failure, doubling, capped at `maxMs`, with ±10 %
 * jitter so that many partners failing together (a shared proxy down) do not come back together.
 */
export function retryDelayMs(attemptsMade: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(40, Math.max(0, attemptsMade - 1)));
  const jitter = exp * 0.1 * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(policy.maxMs, exp + jitter)));
}

/** Where a delivery stands after its `attemptsMade`-th attempt. */
export function afterAttempt(
  result: AttemptResult,
  attemptsMade: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): DeliveryAfterAttempt {
  if (result.ok) return { status: 'DELIVERED' };
  if (attemptsMade >= policy.maxAttempts) return { status: 'DEAD' };
  return { status: 'PENDING', retryInMs: retryDelayMs(attemptsMade, policy, random) };
}
