import { Inject, Injectable } from '@nestjs/common';
import { InitiativeSnapshot } from '@ctp/contracts';
import { CtpLogger, LOGGER, Metrics } from '@ctp/observability';
import { Counter } from 'prom-client';
import { UnitOfWork } from '@ctp/persistence';
import { WebhookSecrets } from '../../webhooks/webhook-secrets';
import { auditedEntry } from '../domain/audit';
import { isWithheld, recordsToCheck } from '../domain/current-visibility';
import { afterAttempt, AttemptResult, RetryPolicy } from '../domain/delivery-policy';
import { feedItemOf } from '../domain/feed-entry';
import { shareableContent } from '../domain/sharing';
import { OUTBOUND_CONFIG, OutboundConfig } from '../outbound.config';
import { AuditRepository } from '../persistence/audit.repository';
import { DeliveryRepository, QueueHead } from '../persistence/delivery.repository';
import { RecordVisibilityReader } from '../persistence/record-visibility.reader';

/** One signed POST to a partner's webhook (the port; the worker's adapter does HTTP). */
export interface WebhookRequest {
  url: string;
  /** The partner's secrets in clear (`whsec_…`), each signing: the current one, and the previous one in its grace. */
  secrets: string[];
  /** The Standard Webhooks message id (`webhook-id`): the same on every attempt and re-send. */
  deliveryId: string;
  attempt: number;
  /** The exact bytes that are signed and sent. */
  body: string;
}

export abstract class WebhookPoster {
  abstract post(request: WebhookRequest): Promise<AttemptResult>;
}

export interface RoundResult {
  attempted: number;
  delivered: number;
  /** When the next attempt falls due (ms from now): a head not yet due, or the retry of one that just failed. */
  nextDueInMs?: number;
  /** The outcome of each head handled (DELIVERED, FAILED, DEAD; WITHHELD: not sent). */
  outcomes: string[];
}

/**
 * One round of webhook delivery: the head of each partner's queue whose time has come is POSTed (partners in
 * parallel, a partner's own deliveries strictly one after the other, in seq order), and each attempt's outcome is
 * recorded with its audit line in one transaction. A failure schedules the next attempt with exponential backoff;
 * the last allowed failure makes the delivery DEAD. A head whose record is no longer shareable now (made restricted
 * after the entry was queued) is not sent at all: WITHHELD.
 */
@Injectable()
export class DeliverWebhooks {
  private readonly policy: RetryPolicy;
  private readonly attempts: Counter<'outcome'>;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly audit: AuditRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly poster: WebhookPoster,
    private readonly visibility: RecordVisibilityReader,
    private readonly secrets: WebhookSecrets,
    @Inject(OUTBOUND_CONFIG) private readonly config: OutboundConfig,
    @Inject(LOGGER) private readonly log: CtpLogger,
    metrics: Metrics,
  ) {
    this.attempts = new Counter({
      name: 'ctp_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (DELIVERED, FAILED = will be retried, DEAD; WITHHELD = not sent)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.policy = {
      baseMs: config.webhook.retryBaseMs,
      maxMs: config.webhook.retryMaxMs,
      maxAttempts: config.webhook.maxAttempts,
    };
  }

  async round(now: number = Date.now()): Promise<RoundResult> {
    const heads = await this.deliveries.heads();
    const due = heads.filter((h) => h.nextAttemptAt.getTime() <= now);
    const later = heads.filter((h) => h.nextAttemptAt.getTime() > now);
    const results: { outcome: string; retryInMs?: number }[] = [];
    for (let i = 0; i < due.length; i += this.config.webhook.concurrency) {
      const chunk = due.slice(i, i + this.config.webhook.concurrency);
      // Judged by the records' visibility now, just before sending: not when the entries were queued.
      const visibility = await this.visibility.visibilityOf(
        chunk.flatMap((h) => recordsToCheck([h.entry], h.partnerRef)),
      );
      results.push(
        ...(await Promise.all(
          chunk.map((h) => (isWithheld(h.entry, h.partnerRef, visibility) ? this.withhold(h) : this.attempt(h))),
        )),
      );
    }
    const waits = [
      ...later.map((h) => h.nextAttemptAt.getTime() - now),
      ...results.flatMap((r) => (r.retryInMs === undefined ? [] : [r.retryInMs])),
    ];
    return {
      attempted: due.length,
      delivered: results.filter((r) => r.outcome === 'DELIVERED').length,
      nextDueInMs: waits.length ? Math.min(...waits) : undefined,
      outcomes: results.map((r) => r.outcome),
    };
  }

  private async attempt(head: QueueHead): Promise<{ outcome: string; retryInMs?: number }> {
    const attempt = head.attempts + 1;
    const item = feedItemOf(head.entry);
    let result: AttemptResult;
    try {
      // The database refuses restricted content in a feed; this is the last look before it leaves the building.
      if (item.kind === 'INITIATIVE') shareableContent(item.initiativeId, item.payload as InitiativeSnapshot);
      result = await this.poster.post({
        url: head.webhook.url,
        secrets: this.openSecrets(head),
        deliveryId: head.id,
        attempt,
        body: JSON.stringify(item),
      });
    } catch (err) {
      // Our own failures (a refused gate, a secret that does not open): the poster itself never throws.
      result = { ok: false, error: (err as Error).message };
    }
    const after = afterAttempt(result, attempt, this.policy);
    const outcome = after.status === 'PENDING' ? 'FAILED' : after.status;
    const httpStatus = result.status;
    const error = result.ok ? undefined : result.error;
    await this.unitOfWork.run(async (tx) => {
      if (!(await this.deliveries.recordAttempt(tx, head.id, attempt, after, httpStatus, error))) return;
      await this.audit.record(tx, [
        {
          partnerRef: head.partnerRef,
          channel: 'WEBHOOK',
          action: 'DELIVERY_ATTEMPT',
          outcome,
          deliveryId: head.id,
          attempt,
          httpStatus,
          error,
          entries: [auditedEntry(head.entry)],
        },
      ]);
    });
    this.attempts.inc({ outcome });
    const line = {
      msg: `webhook ${outcome.toLowerCase()}`,
      ...deliveryLogFields(head),
      attempt,
      httpStatus,
      error,
      retryInMs: after.status === 'PENDING' ? after.retryInMs : undefined,
    };
    if (outcome === 'DELIVERED') this.log.info(line);
    else if (outcome === 'DEAD') this.log.error(line);
    else this.log.warn(line);
    return { outcome, retryInMs: after.status === 'PENDING' ? after.retryInMs : undefined };
  }

  /** Never sent: the record it is about is not shareable now. Recorded, audited, and out of the queue for good. */
  private async withhold(head: QueueHead): Promise<{ outcome: string }> {
    const reason = 'withheld: the record is no longer shareable';
    await this.unitOfWork.run(async (tx) => {
      if (!(await this.deliveries.withhold(tx, head.id, head.attempts, reason))) return;
      await this.audit.record(tx, [
        {
          partnerRef: head.partnerRef,
          channel: 'WEBHOOK',
          action: 'DELIVERY_WITHHELD',
          outcome: 'WITHHELD',
          deliveryId: head.id,
          error: reason,
          entries: [auditedEntry(head.entry)],
        },
      ]);
    });
    this.attempts.inc({ outcome: 'WITHHELD' });
    this.log.warn({
      msg: 'webhook withheld',
      ...deliveryLogFields(head),
    });
    return { outcome: 'WITHHELD' };
  }

  private openSecrets(head: QueueHead): string[] {
    try {
      return head.webhook.sealedSecrets.map((s) => this.secrets.open(s, head.partnerRef));
    } catch {
      throw new Error('the webhook secret cannot be decrypted (was WEBHOOK_SECRET_KEY changed?): rotate it');
    }
  }
}

/** What a delivery's log lines say of it: whose, which feed entry, about which record. */
function deliveryLogFields(head: QueueHead) {
  return {
    partnerRef: head.partnerRef,
    deliveryId: head.id,
    seq: head.seq,
    kind: head.entry.kind,
    initiativeId: head.entry.initiativeId,
    version: head.entry.version,
  };
}
