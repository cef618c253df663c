import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box';
import { generateWebhookSecret, WebhookSecrets, webhookSecretKey } from './webhook-secrets';

describe('SecretBox (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealed = box.seal(secret, 'PT-UNODC');
    expect(box.open(sealed, 'PT-UNODC')).toBe(secret);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(secret.slice(6));
  });

  it('seals the same secret differently every time (a fresh nonce)', () => {
    expect(box.seal(secret, 'x')).not.toBe(box.seal(secret, 'x'));
  });

  it.each<[string, (sealed: string) => [SecretBox, string, string]]>([
    ['another key', (s) => [new SecretBox(randomBytes(32)), s, 'PT-UNODC']],
    ['another context (another partner’s row)', (s) => [box, s, 'PT-EUROPOL']],
    ['a changed ciphertext', (s) => [box, flip(s, 2), 'PT-UNODC']],
    ['a changed tag', (s) => [box, flip(s, 3), 'PT-UNODC']],
    ['a changed nonce', (s) => [box, flip(s, 1), 'PT-UNODC']],
    ['a truncated value', (s) => [box, s.split('.').slice(0, 3).join('.'), 'PT-UNODC']],
    ['another format', (s) => [box, s.replace(/^v1/, 'v2'), 'PT-UNODC']],
    ['a plain secret', () => [box, secret, 'PT-UNODC']],
  ])('refuses to open with %s', (_label, tamper) => {
    const [b, sealed, context] = tamper(box.seal(secret, 'PT-UNODC'));
    expect(() => b.open(sealed, context)).toThrow(SecretBoxError);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('webhook secrets', () => {
  it('are whsec_ and 32 random bytes in base64, different each time', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookSecretKey(a)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('are sealed per partner', () => {
    const secrets = new WebhookSecrets({ secretKey: randomBytes(32) });
    const s = generateWebhookSecret();
    const sealed = secrets.seal(s, 'PT-UNODC');
    expect(secrets.open(sealed, 'PT-UNODC')).toBe(s);
    expect(() => secrets.open(sealed, 'PT-AFRIPOL')).toThrow(SecretBoxError);
  });
});

/** The sealed value with one byte of its `part`-th dot-separated part changed. */
function flip(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  bytes[0] ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}
