import { createHmac } from 'node:crypto';
import { signatureOf, verifySignature } from './webhook-signature';

const SECRET = 'whsec-0123456789abcdef';
const BODY =
  '{"seq":1,"kind":"INITIATIVE","initiativeId":"IP-HUB-AFR-1","version":1,"payload":{},"createdAt":"2025-01-02T03:04:05.000Z"}';
const TS = 1_735_787_045;

describe('signatureOf', () => {
  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const hex = createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex');
    expect(signatureOf(SECRET, TS, BODY)).toBe(`v1=${hex}`);
    expect(signatureOf(SECRET, TS, BODY)).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('changes with the secret, the timestamp and every byte of the body', () => {
    const s = signatureOf(SECRET, TS, BODY);
    expect(signatureOf(`${SECRET}x`, TS, BODY)).not.toBe(s);
    expect(signatureOf(SECRET, TS + 1, BODY)).not.toBe(s);
    expect(signatureOf(SECRET, TS, BODY.replace('"seq":1', '"seq":2'))).not.toBe(s);
  });

  it('signs the UTF-8 bytes of non-ASCII text', () => {
    const body = '{"title":"Formation régionale — مكافحة"}';
    const hex = createHmac('sha256', SECRET)
      .update(Buffer.from(`${TS}.${body}`, 'utf8'))
      .digest('hex');
    expect(signatureOf(SECRET, TS, body)).toBe(`v1=${hex}`);
  });
});

describe('verifySignature (what a receiver does)', () => {
  const sig = signatureOf(SECRET, TS, BODY);

  it.each<[string, string | undefined, string | undefined, string, number, object]>([
    ['a fresh, correctly signed delivery', String(TS), sig, BODY, TS + 10, { ok: true }],
    ['exactly five minutes old', String(TS), sig, BODY, TS + 300, { ok: true }],
    ['older than five minutes: a replay', String(TS), sig, BODY, TS + 301, { ok: false, reason: 'STALE_TIMESTAMP' }],
    ['from more than five minutes ahead', String(TS), sig, BODY, TS - 301, { ok: false, reason: 'FUTURE_TIMESTAMP' }],
    ['a tampered body', String(TS), sig, BODY.replace('AFR', 'EUR'), TS, { ok: false, reason: 'BAD_SIGNATURE' }],
    [
      'a timestamp changed to look fresh',
      String(TS + 100),
      sig,
      BODY,
      TS + 100,
      { ok: false, reason: 'BAD_SIGNATURE' },
    ],
    [
      'another secret',
      String(TS),
      signatureOf('other-secret-123456', TS, BODY),
      BODY,
      TS,
      { ok: false, reason: 'BAD_SIGNATURE' },
    ],
    ['a signature of the wrong length', String(TS), 'v1=abcd', BODY, TS, { ok: false, reason: 'BAD_SIGNATURE' }],
    ['no timestamp', undefined, sig, BODY, TS, { ok: false, reason: 'MALFORMED' }],
    ['a timestamp that is not a number', 'yesterday', sig, BODY, TS, { ok: false, reason: 'MALFORMED' }],
    ['no signature', String(TS), undefined, BODY, TS, { ok: false, reason: 'MALFORMED' }],
  ])('%s', (_label, ts, signature, body, now, expected) => {
    expect(verifySignature(SECRET, ts, signature, body, now)).toEqual(expected);
  });
});
