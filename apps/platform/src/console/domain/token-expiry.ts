/*
 * A live-update stream outlives the request that opened it, so it ends when the token that opened it expires (the
 * client reconnects with a fresh one): the token's `exp`, read from the bearer token the guard has already verified.
 */

/** Longest a timer may wait (setTimeout's limit, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Milliseconds from `nowMs` until the bearer token in `authorization` expires (0 if it has), or undefined when the
 * header holds no readable JWT with a numeric `exp`.
 */
export function msUntilExpiry(authorization: string | undefined, nowMs: number): number | undefined {
  const token = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/.exec(authorization ?? '');
  if (!token) return undefined;
  let exp: unknown;
  try {
    exp = (JSON.parse(Buffer.from(token[2], 'base64url').toString('utf8')) as { exp?: unknown }).exp;
  } catch {
    return undefined;
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  return Math.min(MAX_TIMER_MS, Math.max(0, exp * 1000 - nowMs));
}
