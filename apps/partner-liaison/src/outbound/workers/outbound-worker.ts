import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CtpLogger, LOGGER, Metrics } from '@ctp/observability';
import { Gauge } from 'prom-client';
import { AdvisoryLeadership } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { DeliverWebhooks } from '../application/deliver-webhooks';
import { DeliveryWakeUp } from '../application/delivery-wake-up';
import { ReconcileFeeds } from '../application/reconcile-feeds';
import { OUTBOUND_CONFIG, OutboundConfig } from '../outbound.config';
import { DeliveryRepository } from '../persistence/delivery.repository';

const LOCK_NAME = 'ctp-liaison-outbound-worker';

/**
 * The background side of the outbound feature, started and stopped with the application: delivers webhooks (woken
 * after each commit that queued deliveries, polling otherwise, sleeping until the next retry is due) and reconciles
 * the feeds now and then. One worker per database is active at a time (a PostgreSQL advisory lock held on a dedicated
 * connection), so a partner's deliveries cannot be sent twice at once or out of order by two instances; another
 * instance waits as a standby.
 */
@Injectable()
export class OutboundWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopping = false;
  private running?: Promise<void>;
  private readonly leadership: AdvisoryLeadership;
  private woken = false;
  private wakeWaiter?: () => void;
  private nextReconcileAt = 0;
  private nextGaugeAt = 0;
  private consecutiveFailures = 0;
  private readonly backlog: Gauge;

  constructor(
    dataSource: DataSource,
    private readonly deliver: DeliverWebhooks,
    private readonly reconcile: ReconcileFeeds,
    private readonly deliveries: DeliveryRepository,
    wakeUp: DeliveryWakeUp,
    @Inject(OUTBOUND_CONFIG) private readonly config: OutboundConfig,
    @Inject(LOGGER) private readonly log: CtpLogger,
    metrics: Metrics,
  ) {
    this.leadership = new AdvisoryLeadership(dataSource, LOCK_NAME);
    wakeUp.onWake(() => this.wake());
    this.backlog = new Gauge({
      name: 'ctp_webhook_backlog',
      help: 'Webhook deliveries waiting to be delivered (PENDING)',
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    this.running = undefined;
    await this.leadership.release();
  }

  wake(): void {
    this.woken = true;
    const waiter = this.wakeWaiter;
    this.wakeWaiter = undefined;
    waiter?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!(await this.becomeActive())) {
          await this.idle(2000);
          continue;
        }
        this.woken = false;
        const now = Date.now();
        if (now >= this.nextReconcileAt) {
          const { more } = await this.reconcile.execute();
          this.nextReconcileAt = more ? now : now + this.config.reconcileIntervalMs;
        }
        if (now >= this.nextGaugeAt) {
          this.backlog.set(await this.deliveries.pendingCount());
          this.nextGaugeAt = now + 5000;
        }
        const round = await this.deliver.round();
        if (this.consecutiveFailures > 0) {
          this.log.info({ msg: 'outbound worker recovered', afterFailures: this.consecutiveFailures });
          this.consecutiveFailures = 0;
        }
        // A partner whose head was just delivered (or withheld) may have its next one due already.
        if (round.delivered > 0 || round.outcomes.includes('WITHHELD')) continue;
        const untilReconcile = Math.max(0, this.nextReconcileAt - Date.now());
        await this.idle(
          Math.min(this.config.webhook.pollIntervalMs, untilReconcile, Math.max(0, round.nextDueInMs ?? Infinity)),
        );
      } catch (err) {
        this.consecutiveFailures++;
        if (this.consecutiveFailures === 1 || this.consecutiveFailures % 20 === 0) {
          this.log.warn({
            msg: 'outbound worker failed, will retry',
            err: (err as Error).message,
            consecutiveFailures: this.consecutiveFailures,
          });
        }
        await this.leadership.dropIfLost();
        await this.idle(Math.min(5000, 100 * 2 ** Math.min(6, this.consecutiveFailures)));
      }
    }
  }

  private async idle(ms: number): Promise<void> {
    if (this.woken || this.stopping || ms <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeWaiter = undefined;
        resolve();
      }, ms);
      this.wakeWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async becomeActive(): Promise<boolean> {
    if (this.leadership.held) return true;
    if (!(await this.leadership.acquire())) return false;
    this.log.info({ msg: 'outbound worker active', lock: this.leadership.lockName });
    return true;
  }
}
