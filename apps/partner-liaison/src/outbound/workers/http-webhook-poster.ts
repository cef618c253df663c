import { Inject, Injectable } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DestinationGuard, DestinationRefused } from '../../webhooks/destination-guard';
import { AttemptResult, isAcknowledged } from '../domain/delivery-policy';
import { signatureHeader } from '../domain/webhook-signature';
import { WebhookPoster, WebhookRequest } from '../application/deliver-webhooks';
import { OUTBOUND_CONFIG, OutboundConfig } from '../outbound.config';

/**
 * POSTs one delivery the Standard Webhooks way: JSON body; `webhook-id` (the delivery id: the same on every attempt
 * and re-send), `webhook-timestamp` (unix seconds, taken at this attempt), `webhook-signature` (`v1,<base64 HMAC>` per
 * secret, space-separated); plus `X-CTP-Delivery-Id` (= webhook-id) and `X-CTP-Attempt`, informational.
 *
 * Where it connects is checked again here, at each attempt: the scheme, an address literal, and every address the
 * name resolves to, through the request's own `lookup`, so the socket connects only to an address just checked (DNS
 * rebinding). Redirects are not followed: only a 2xx from the registered URL is an acknowledgement. The receiver's
 * answer body is never read: the outcome is the status code, or a reason in our own words.
 */
@Injectable()
export class HttpWebhookPoster extends WebhookPoster {
  constructor(
    @Inject(OUTBOUND_CONFIG) private readonly config: OutboundConfig,
    private readonly guard: DestinationGuard,
  ) {
    super();
  }

  async post(request: WebhookRequest, now: number = Date.now()): Promise<AttemptResult> {
    const timestamp = Math.floor(now / 1000);
    const timeoutMs = this.config.webhook.timeoutMs;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return { ok: false, error: 'destination refused: not a URL' };
    }
    const refused = this.guard.connectionRefusal(url);
    if (refused) return { ok: false, error: refused.message };
    const body = Buffer.from(request.body, 'utf8');
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
      'User-Agent': 'ctp-partner-liaison/1',
      'webhook-id': request.deliveryId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(request.secrets, request.deliveryId, timestamp, request.body),
      'X-CTP-Delivery-Id': request.deliveryId,
      'X-CTP-Attempt': String(request.attempt),
    };
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      // Called only from callbacks, all after `timer` below is set.
      const settle = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, { method: 'POST', headers, agent: false, lookup: this.guard.lookup }, (res) => {
        const status = res.statusCode ?? 0;
        // The body is not ours to read, keep or repeat: close the exchange as soon as the status is known.
        res.destroy();
        settle(isAcknowledged(status) ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` });
      });
      const timer = setTimeout(() => {
        settle({ ok: false, error: `no answer within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('error', (err) => settle({ ok: false, error: reasonOf(err) }));
      req.end(body);
    });
  }
}

/** A failure to reach the receiver, in our own words: the error code, never a message text from the other side. */
function reasonOf(err: Error & { code?: string }): string {
  if (err instanceof DestinationRefused) return err.message;
  const code = typeof err.code === 'string' && /^[A-Z0-9_]{2,40}$/.test(err.code) ? err.code : undefined;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `DNS lookup failed (${code})`;
  return code ? `network error (${code})` : 'network error';
}
