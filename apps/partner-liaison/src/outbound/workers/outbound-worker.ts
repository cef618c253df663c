import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CtpLogger, LOGGER, Metrics } from '@ctp/observability';
import { Gauge } from 'prom-client';
import { AdvisoryLeadership, LeaderLoop } from '@ctp/persistence';
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
  /** Takes the lock, runs the rounds while leader, backs off after a failure, steps down when the lock is lost. */
  private readonly leader: LeaderLoop;
  private nextReconcileAt = 0;
  private nextGaugeAt = 0;
  private readonly backlog: Gauge;

  constructor(
    dataSource: DataSource,
    private readonly deliver: DeliverWebhooks,
    private readonly reconcile: ReconcileFeeds,
    private readonly deliveries: DeliveryRepository,
    wakeUp: DeliveryWakeUp,
    @Inject(OUTBOUND_CONFIG) private readonly config: OutboundConfig,
    @Inject(LOGGER) log: CtpLogger,
    metrics: Metrics,
  ) {
    this.leader = new LeaderLoop(
      new AdvisoryLeadership(dataSource, LOCK_NAME),
      log,
      {
        messages: {
          active: 'outbound worker active',
          failed: 'outbound worker failed, will retry',
          recovered: 'outbound worker recovered',
        },
        wakeDuringBackoff: true,
      },
      () => this.turn(),
    );
    wakeUp.onWake(() => this.wake());
    this.backlog = new Gauge({
      name: 'ctp_webhook_backlog',
      help: 'Webhook deliveries waiting to be delivered (PENDING)',
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    this.leader.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.leader.stop();
  }

  wake(): void {
    this.leader.wake();
  }

  /** One turn of the leader: reconcile the feeds when due, the backlog gauge, one round of deliveries. */
  private async turn(): Promise<number | undefined> {
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
    // A partner whose head was just delivered (or withheld) may have its next one due already.
    if (round.delivered > 0 || round.outcomes.includes('WITHHELD')) return undefined;
    const untilReconcile = Math.max(0, this.nextReconcileAt - Date.now());
    const waitMs = Math.min(
      this.config.webhook.pollIntervalMs,
      untilReconcile,
      Math.max(0, round.nextDueInMs ?? Infinity),
    );
    return waitMs > 0 ? waitMs : undefined;
  }
}
