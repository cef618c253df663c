import { createHmac, timingSafeEqual } from 'node:crypto';
import { webhookSecretKey } from '../../webhooks/webhook-secrets';

/** How far a receiver lets a delivery's timestamp be from its own clock before it refuses it (the spec's 5 minutes). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * One Standard Webhooks signature: `v1,` + base64 of HMAC-SHA256, keyed with the bytes of the `whsec_` secret, of
 * `<webhook-id>.<webhook-timestamp>.<raw body>`.
 */
export function signatureOf(secret: string, messageId: string, timestampSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', webhookSecretKey(secret))
    .update(`${messageId}.${timestampSeconds}.${rawBody}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The `webhook-signature` header: one `v1,` signature per secret, space-separated. During a rotation's grace period
 * both the new and the previous secret sign, so a receiver holding either verifies.
 */
export function signatureHeader(
  secrets: readonly string[],
  messageId: string,
  timestampSeconds: number,
  rawBody: string,
): string {
  if (secrets.length === 0) throw new Error('no secret to sign with');
  return secrets.map((s) => signatureOf(s, messageId, timestampSeconds, rawBody)).join(' ');
}

export type SignatureCheck =
  { ok: true } | { ok: false; reason: 'MALFORMED' | 'STALE_TIMESTAMP' | 'FUTURE_TIMESTAMP' | 'BAD_SIGNATURE' };

/**
 * What a receiver does (any Standard Webhooks library does the same; docs/partner-feeds.md shows it): a timestamp
 * within five minutes of its clock, then any one of the `v1,` signatures compared in constant time. A reference for
 * the documentation, with its tests.
 */
export function verifySignature(
  secret: string,
  headers: { 'webhook-id'?: string; 'webhook-timestamp'?: string; 'webhook-signature'?: string },
  rawBody: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const given = headers['webhook-signature'];
  if (!id || !ts || !/^\d{1,12}$/.test(ts) || !given) return { ok: false, reason: 'MALFORMED' };
  const timestamp = Number(ts);
  if (nowSeconds - timestamp > toleranceSeconds) return { ok: false, reason: 'STALE_TIMESTAMP' };
  if (timestamp - nowSeconds > toleranceSeconds) return { ok: false, reason: 'FUTURE_TIMESTAMP' };
  const expected = Buffer.from(signatureOf(secret, id, timestamp, rawBody));
  for (const candidate of given.split(' ')) {
    const c = Buffer.from(candidate);
    if (c.length === expected.length && timingSafeEqual(c, expected)) return { ok: true };
  }
  return { ok: false, reason: 'BAD_SIGNATURE' };
}
