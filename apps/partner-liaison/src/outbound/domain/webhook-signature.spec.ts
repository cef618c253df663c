import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '../../webhooks/webhook-secrets';
import { signatureHeader, signatureOf, verifySignature } from './webhook-signature';

// The Standard Webhooks specification's own example (its reference libraries test against it).
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const BODY =
  '{"seq":1,"kind":"INITIATIVE","initiativeId":"IP-HUB-AFR-1","version":1,"payload":{},"createdAt":"2025-01-02T03:04:05.000Z"}';
const ID = 'b6f1c7e2-0000-4000-8000-000000000001';

describe('signatureOf (Standard Webhooks v1)', () => {
  it("matches the specification's test vector", () => {
    expect(signatureOf(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
  });

  it('is what the standardwebhooks package computes, and verifies with it', () => {
    const secret = generateWebhookSecret();
    const ts = Math.floor(Date.now() / 1000);
    const sig = signatureOf(secret, ID, ts, BODY);
    expect(sig).toBe(new Webhook(secret).sign(ID, new Date(ts * 1000), BODY));
    const headers = { 'webhook-id': ID, 'webhook-timestamp': String(ts), 'webhook-signature': sig };
    expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('changes with the secret, the id, the timestamp and every byte of the body', () => {
    const secret = generateWebhookSecret();
    const s = signatureOf(secret, ID, 1000, BODY);
    expect(signatureOf(generateWebhookSecret(), ID, 1000, BODY)).not.toBe(s);
    expect(signatureOf(secret, `${ID}x`, 1000, BODY)).not.toBe(s);
    expect(signatureOf(secret, ID, 1001, BODY)).not.toBe(s);
    expect(signatureOf(secret, ID, 1000, BODY.replace('"seq":1', '"seq":2'))).not.toBe(s);
  });

  it('signs the UTF-8 bytes of non-ASCII text, as the package does', () => {
    const body = '{"title":"Formation régionale — مكافحة"}';
    expect(signatureOf(SPEC.secret, SPEC.id, SPEC.timestamp, body)).toBe(
      new Webhook(SPEC.secret).sign(SPEC.id, new Date(SPEC.timestamp * 1000), body),
    );
  });

  it('refuses a secret that is not whsec_', () => {
    expect(() => signatureOf('0123456789abcdef0123', ID, 1, BODY)).toThrow(/whsec_/);
  });
});

describe('signatureHeader', () => {
  it('carries one v1 signature per secret, space-separated: either secret verifies (a rotation)', () => {
    const [current, previous, other] = [generateWebhookSecret(), generateWebhookSecret(), generateWebhookSecret()];
    const ts = Math.floor(Date.now() / 1000);
    const header = signatureHeader([current, previous], ID, ts, BODY);
    expect(header.split(' ')).toEqual([signatureOf(current, ID, ts, BODY), signatureOf(previous, ID, ts, BODY)]);
    const headers = { 'webhook-id': ID, 'webhook-timestamp': String(ts), 'webhook-signature': header };
    expect(() => new Webhook(current).verify(BODY, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(BODY, headers)).not.toThrow();
    expect(() => new Webhook(other).verify(BODY, headers)).toThrow(/No matching signature/);
  });

  it('needs a secret', () => {
    expect(() => signatureHeader([], ID, 1, BODY)).toThrow();
  });
});

describe('verifySignature (what a receiver does)', () => {
  const TS = 1_735_787_045;
  const secret = generateWebhookSecret();
  const sig = signatureOf(secret, ID, TS, BODY);
  const h = (over: Record<string, string | undefined> = {}) => ({
    'webhook-id': ID,
    'webhook-timestamp': String(TS),
    'webhook-signature': sig,
    ...over,
  });

  it.each<[string, ReturnType<typeof h>, string, number, object]>([
    ['a fresh, correctly signed delivery', h(), BODY, TS + 10, { ok: true }],
    ['exactly five minutes old', h(), BODY, TS + 300, { ok: true }],
    ['one good signature among others', h({ 'webhook-signature': `v1,AAAA ${sig}` }), BODY, TS, { ok: true }],
    ['older than five minutes: a replay', h(), BODY, TS + 301, { ok: false, reason: 'STALE_TIMESTAMP' }],
    ['from more than five minutes ahead', h(), BODY, TS - 301, { ok: false, reason: 'FUTURE_TIMESTAMP' }],
    ['a tampered body', h(), BODY.replace('AFR', 'EUR'), TS, { ok: false, reason: 'BAD_SIGNATURE' }],
    ['another message id', h({ 'webhook-id': 'x' }), BODY, TS, { ok: false, reason: 'BAD_SIGNATURE' }],
    [
      'a timestamp changed to look fresh',
      h({ 'webhook-timestamp': String(TS + 100) }),
      BODY,
      TS + 100,
      { ok: false, reason: 'BAD_SIGNATURE' },
    ],
    ['no timestamp', h({ 'webhook-timestamp': undefined }), BODY, TS, { ok: false, reason: 'MALFORMED' }],
    ['no id', h({ 'webhook-id': undefined }), BODY, TS, { ok: false, reason: 'MALFORMED' }],
    ['no signature', h({ 'webhook-signature': undefined }), BODY, TS, { ok: false, reason: 'MALFORMED' }],
    [
      'a timestamp that is not a number',
      h({ 'webhook-timestamp': 'yesterday' }),
      BODY,
      TS,
      { ok: false, reason: 'MALFORMED' },
    ],
  ])('%s', (_label, headers, body, now, expected) => {
    expect(verifySignature(secret, headers, body, now)).toEqual(expected);
  });
});
