/**
 * Delay before the next delivery of a message that failed transiently: exponential from `baseMs`, capped at `maxMs`,
 * with ±20% jitter so that a burst of failures does not come back as a burst.
 */
export function redeliveryDelayMs(deliveryCount: number, baseMs = 500, maxMs = 30_000, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, deliveryCount - 1));
  const jitter = exp * 0.2 * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(maxMs, exp + jitter)));
}
