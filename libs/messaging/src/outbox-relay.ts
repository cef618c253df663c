import { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { CtpLogger, Metrics } from '@ctp/observability';
import { AdvisoryLeadership } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { OutboxWakeUp } from './outbox';

export interface OutboxRelayOptions {
  /** Rows read and published per round; all of a round's publishes are in flight at once. */
  batchSize: number;
  /** Fallback poll for rows written by another process (this process's commits wake the relay at once). */
  pollIntervalMs: number;
  /** How long a sent row is kept so that `outbox:replay --since` can re-publish it. */
  retentionMs: number;
  publishTimeoutMs: number;
  /** Distinguishes the advisory lock of one service's relay from another's on a shared server. */
  lockName: string;
  /** After a wake-up, wait this long so that commits arriving together leave in one round. */
  lingerMs: number;
}

export const DEFAULT_OUTBOX_RELAY_OPTIONS: OutboxRelayOptions = {
  batchSize: 500,
  pollIntervalMs: 500,
  retentionMs: 7 * 24 * 3600 * 1000,
  publishTimeoutMs: 5000,
  lockName: 'ctp-outbox-relay',
  lingerMs: 10,
};

interface OutboxRow {
  id: string;
  event_id: string;
  subject: string;
  payload: string;
  correlation_id: string | null;
}

/**
 * Moves committed outbox rows to JetStream. One relay per database is active at a time (a PostgreSQL advisory lock),
 * so events leave in the order they were committed. Each row is published with `Nats-Msg-Id` = event id, all rows of a
 * round in flight together, and marked sent only once its PubAck arrived; a row without a PubAck is retried until the
 * broker takes it (the broker's dedupe window and the consumers' inboxes make the retry harmless).
 */
export class OutboxRelay implements OutboxWakeUp {
  private stopping = false;
  private running?: Promise<void>;
  private readonly leadership: AdvisoryLeadership;
  private woken = false;
  private wakeWaiter?: () => void;
  private lastHousekeeping = 0;
  private consecutiveFailures = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly js: JetStreamClient,
    private readonly logger: CtpLogger,
    private readonly metrics: Metrics,
    private readonly options: OutboxRelayOptions = DEFAULT_OUTBOX_RELAY_OPTIONS,
  ) {
    this.leadership = new AdvisoryLeadership(dataSource, options.lockName);
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
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
        await this.housekeeping();
        const { read, failed } = await this.relayOnce();
        if (failed > 0) throw new Error(`${failed} of ${read} publishes got no PubAck`);
        if (this.consecutiveFailures > 0) {
          this.logger.info({ msg: 'outbox relay recovered', afterFailures: this.consecutiveFailures });
          this.consecutiveFailures = 0;
        }
        if (read < this.options.batchSize) await this.idle(this.options.pollIntervalMs);
      } catch (err) {
        this.consecutiveFailures++;
        if (this.consecutiveFailures === 1 || this.consecutiveFailures % 20 === 0) {
          this.logger.warn({
            msg: 'outbox relay cannot publish yet, will retry',
            err: (err as Error).message,
            consecutiveFailures: this.consecutiveFailures,
          });
        }
        await this.leadership.dropIfLost();
        // Not cut short by wake(): under load every commit wakes the relay, which would otherwise re-publish its
        // whole backlog in a tight loop at a broker that is failing (a cluster electing a leader, say).
        await this.idle(Math.min(5000, 100 * 2 ** Math.min(6, this.consecutiveFailures)), false);
      }
    }
  }

  /** One round: read the oldest unsent rows, publish them all, mark the acknowledged ones sent. */
  async relayOnce(): Promise<{ read: number; sent: number; failed: number }> {
    this.woken = false;
    const rows: OutboxRow[] = await this.dataSource.query(
      `SELECT id, event_id, subject, payload, correlation_id FROM outbox_events
        WHERE sent_at IS NULL ORDER BY id LIMIT $1`,
      [this.options.batchSize],
    );
    if (rows.length === 0) return { read: 0, sent: 0, failed: 0 };
    const results = await Promise.allSettled(rows.map((row) => this.publish(row)));
    const sentIds: string[] = [];
    const failedIds: string[] = [];
    let duplicates = 0;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        sentIds.push(rows[i].id);
        if (r.value.duplicate) duplicates++;
      } else failedIds.push(rows[i].id);
    });
    if (sentIds.length > 0) {
      await this.dataSource.query(`UPDATE outbox_events SET sent_at = now() WHERE id = ANY($1::bigint[])`, [sentIds]);
    }
    if (failedIds.length > 0) {
      this.metrics.outboxPublishFailures.inc(failedIds.length);
      await this.dataSource.query(`UPDATE outbox_events SET attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [
        failedIds,
      ]);
    }
    this.metrics.outboxPublished.inc({ duplicate: 'false' }, sentIds.length - duplicates);
    if (duplicates) this.metrics.outboxPublished.inc({ duplicate: 'true' }, duplicates);
    this.logger.debug({ msg: 'outbox relayed', sent: sentIds.length, duplicates, failed: failedIds.length });
    return { read: rows.length, sent: sentIds.length, failed: failedIds.length };
  }

  /** Re-publishes rows already sent since `since` (same event ids), e.g. after a stream was lost or restored. */
  async replaySince(since: Date, chunk = 500): Promise<{ republished: number }> {
    let lastId = '0';
    let republished = 0;
    for (;;) {
      const rows: OutboxRow[] = await this.dataSource.query(
        `SELECT id, event_id, subject, payload, correlation_id FROM outbox_events
          WHERE sent_at IS NOT NULL AND created_at >= $1 AND id > $2 ORDER BY id LIMIT $3`,
        [since.toISOString(), lastId, chunk],
      );
      if (rows.length === 0) return { republished };
      await Promise.all(rows.map((row) => this.publish(row)));
      republished += rows.length;
      lastId = rows[rows.length - 1].id;
    }
  }

  private publish(row: OutboxRow): Promise<PubAck> {
    const h = natsHeaders();
    if (row.correlation_id) h.set('Ctp-Correlation-Id', row.correlation_id);
    h.set('Content-Type', 'application/cloudevents+json');
    return this.js.publish(row.subject, row.payload, {
      msgID: row.event_id,
      headers: h,
      timeout: this.options.publishTimeoutMs,
    });
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (now - this.lastHousekeeping < 5000) return;
    this.lastHousekeeping = now;
    const [{ backlog }] = await this.dataSource.query(
      `SELECT count(*)::int AS backlog FROM outbox_events WHERE sent_at IS NULL`,
    );
    this.metrics.outboxBacklog.set(backlog);
    await this.dataSource.query(
      `DELETE FROM outbox_events WHERE id IN (
         SELECT id FROM outbox_events WHERE sent_at IS NOT NULL AND sent_at < now() - ($1::bigint * interval '1 millisecond')
         ORDER BY id LIMIT 5000)`,
      [this.options.retentionMs],
    );
  }

  /** Waits `ms`, or less if woken (new rows committed) when `wakeable`; stop() always ends the wait. */
  private async idle(ms: number, wakeable = true): Promise<void> {
    if ((wakeable && this.woken) || this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeWaiter = undefined;
        resolve();
      }, ms);
      const onWake = () => {
        if (!wakeable && !this.stopping) {
          this.wakeWaiter = onWake;
          return;
        }
        clearTimeout(timer);
        if (this.options.lingerMs > 0 && !this.stopping) setTimeout(resolve, this.options.lingerMs);
        else resolve();
      };
      this.wakeWaiter = onWake;
    });
  }

  private async becomeActive(): Promise<boolean> {
    if (this.leadership.held) return true;
    if (!(await this.leadership.acquire())) return false;
    this.logger.info({ msg: 'outbox relay active', lock: this.leadership.lockName });
    return true;
  }
}
