import { Inject, Injectable } from '@nestjs/common';
import { AttemptResult, isAcknowledged } from '../domain/delivery-policy';
import { signatureOf } from '../domain/webhook-signature';
import { WebhookPoster, WebhookRequest } from '../application/deliver-webhooks';
import { OUTBOUND_CONFIG, OutboundConfig } from '../outbound.config';

const MAX_ERROR_BODY = 300;

/**
 * POSTs one delivery: JSON body, `X-CTP-Timestamp` (unix seconds, taken at this attempt), `X-CTP-Signature`
 * (`v1=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the partner's secret) and `X-CTP-Delivery-Id` (the same on
 * every attempt and re-send). Redirects are not followed: only a 2xx from the registered URL is an acknowledgement.
 */
@Injectable()
export class HttpWebhookPoster extends WebhookPoster {
  constructor(@Inject(OUTBOUND_CONFIG) private readonly config: OutboundConfig) {
    super();
  }

  async post(request: WebhookRequest, now: number = Date.now()): Promise<AttemptResult> {
    const timestamp = Math.floor(now / 1000);
    const timeoutMs = this.config.webhook.timeoutMs;
    try {
      const res = await fetch(request.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'ctp-partner-liaison/1',
          'X-CTP-Timestamp': String(timestamp),
          'X-CTP-Signature': signatureOf(request.secret, timestamp, request.body),
          'X-CTP-Delivery-Id': request.deliveryId,
          'X-CTP-Attempt': String(request.attempt),
        },
        body: request.body,
      });
      const text = await startOf(res);
      if (isAcknowledged(res.status)) return { ok: true, status: res.status };
      return { ok: false, status: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        return { ok: false, error: `no answer within ${timeoutMs} ms` };
      }
      return { ok: false, error: [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ') };
    }
  }
}

/** The first few hundred characters of the receiver's answer, for the operator; the rest is discarded unread. */
async function startOf(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY).replace(/\s+/g, ' ').trim();
}
