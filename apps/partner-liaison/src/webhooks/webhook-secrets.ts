import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { WEBHOOK_SECURITY_CONFIG, WebhookSecurityConfig } from '../config/webhook-security.config';
import { SecretBox } from './secret-box';

/** The Standard Webhooks secret prefix: `whsec_` + base64 of the key bytes. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new signing secret: 32 random bytes (the spec asks for 24 to 64), as `whsec_<base64>`. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The HMAC key a `whsec_…` secret stands for (the base64 after the prefix), as every Standard Webhooks library reads it. */
export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error('not a whsec_ secret');
  const key = Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
  if (key.length === 0) throw new Error('an empty webhook secret');
  return key;
}

/** Seals partners' webhook secrets at rest with WEBHOOK_SECRET_KEY, each bound to its partner's ref. */
@Injectable()
export class WebhookSecrets {
  private readonly box: SecretBox;

  constructor(@Inject(WEBHOOK_SECURITY_CONFIG) config: Pick<WebhookSecurityConfig, 'secretKey'>) {
    this.box = new SecretBox(config.secretKey);
  }

  seal(secret: string, partnerRef: string): string {
    return this.box.seal(secret, contextOf(partnerRef));
  }

  /** Throws SecretBoxError when the value does not open (another key, another partner's row, altered). */
  open(sealed: string, partnerRef: string): string {
    return this.box.open(sealed, contextOf(partnerRef));
  }
}

function contextOf(partnerRef: string): string {
  return `ctp-partner-webhook-secret:${partnerRef}`;
}
