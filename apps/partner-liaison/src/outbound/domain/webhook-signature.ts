import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a receiver lets a delivery's timestamp be from its own clock before it refuses it as a replay. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`: what `X-CTP-Signature` carries. */
export function signatureOf(secret: string, timestampSeconds: number, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex')}`;
}

export type SignatureCheck =
  { ok: true } | { ok: false; reason: 'MALFORMED' | 'STALE_TIMESTAMP' | 'FUTURE_TIMESTAMP' | 'BAD_SIGNATURE' };

/**
 * What a receiver does with a delivery (docs/partner-feeds.md shows the same steps): a timestamp within five minutes
 * of its clock (older is a replay), then the signature compared in constant time. Kept here so the documented snippet
 * has a tested reference.
 */
export function verifySignature(
  secret: string,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  rawBody: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!timestampHeader || !/^\d{1,12}$/.test(timestampHeader) || !signatureHeader) {
    return { ok: false, reason: 'MALFORMED' };
  }
  const timestamp = Number(timestampHeader);
  if (nowSeconds - timestamp > toleranceSeconds) return { ok: false, reason: 'STALE_TIMESTAMP' };
  if (timestamp - nowSeconds > toleranceSeconds) return { ok: false, reason: 'FUTURE_TIMESTAMP' };
  const expected = Buffer.from(signatureOf(secret, timestamp, rawBody));
  const given = Buffer.from(signatureHeader);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'BAD_SIGNATURE' };
  return { ok: true };
}
