import { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { CtpLogger, Metrics } from '@ctp/observability';
import { AdvisoryLeadership, LeaderLoop, LeaderTurn } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { JetStreamNames } from '@ctp/contracts';
import { OutboxRow, OutboxWakeUp } from './outbox';
import { describePublishFailure } from './publish-failure';

export interface OutboxRelayOptions {
  /** Rows read and published per round; all of a round's publishes are in flight at once. */
  batchSize: number;
  /**
   * How often the relay reads the table for rows it was not handed: written by another process or thread, left by a
   * failed publish or a previous run. A `wake()` makes it read at once.
   */
  pollIntervalMs: number;
  /** How long a sent row is kept so that `outbox:replay --since` can re-publish it. */
  retentionMs: number;
  publishTimeoutMs: number;
  /** Distinguishes the advisory lock of one service's relay from another's on a shared server. */
  lockName: string;
  /** After a wake-up, wait this long so that commits arriving together leave in one round. */
  lingerMs: number;
  /**
   * Rows handed over by this process are marked sent in one statement at most this often (or per `batchSize`): a
   * crash in between re-publishes them, which the broker's dedupe window and the consumers' inboxes make harmless.
   */
  markEveryMs: number;
  /** The stream the rows go to, named when the broker refuses them (a full stream, JetStream out of storage). */
  stream: string;
}

export const DEFAULT_OUTBOX_RELAY_OPTIONS: OutboxRelayOptions = {
  batchSize: 500,
  pollIntervalMs: 500,
  retentionMs: 7 * 24 * 3600 * 1000,
  publishTimeoutMs: 5000,
  lockName: 'ctp-outbox-relay',
  lingerMs: 10,
  markEveryMs: 100,
  stream: JetStreamNames.eventsStream,
};

/**
 * The relay's intervals (marking, polling, housekeeping) are measured on the monotonic clock: a wall clock stepped
 * back (NTP, a wrong clock corrected) would otherwise stop it marking published rows sent, and polling the table, for
 * as long as the step (test/faults/clock-jumps.fault.ts found it: a hub whose clock was set back left the rows it had
 * published unsent in its outbox).
 */
const monotonicMs = (): number => performance.now();

/** Rows handed over and not yet published, at most; beyond that the relay reads them from the table instead. */
const MAX_HANDED = 20_000;

/**
 * Moves committed outbox rows to JetStream. One relay per database is active at a time (a PostgreSQL advisory lock).
 * Each row is published with `Nats-Msg-Id` = event id, all rows of a round in flight together, and marked sent only
 * once its PubAck arrived; a row without a PubAck is retried until the broker takes it (the broker's dedupe window and
 * the consumers' inboxes make the retry harmless).
 *
 * Rows come two ways. The OutboxWriter of this process hands over what it committed (`committed`), in commit order:
 * those are published without reading them back, and marked sent together every `markEveryMs`. Everything else —
 * rows of another process or thread, rows whose publish failed, rows left by a crash — is read from the table, oldest
 * first, on `wake()`, at start and every `pollIntervalMs`, leaving out the rows held in memory. A round publishes its
 * rows in id order, so the versions of one initiative leave in the order they were written.
 */
export class OutboxRelay implements OutboxWakeUp {
  private readonly leadership: AdvisoryLeadership;
  /** Takes the lock, runs the rounds while leader, backs off after a failure, steps down when the lock is lost. */
  private readonly leader: LeaderLoop;
  private lastHousekeeping = -Infinity;
  /** Handed over by this process, not yet published, in commit order. */
  private handed: OutboxRow[] = [];
  /** Published (PubAck received), not yet marked sent. */
  private unmarked: string[] = [];
  /** The ids of `handed` and `unmarked`: a read of the table leaves them out. */
  private readonly inMemory = new Set<string>();
  /**
   * Ids marked sent in the last 2–4 s: a row the table gave (committed, not handed over yet) and published, then
   * handed over by its writer, is not published again.
   */
  private recentlyMarked = new Set<string>();
  private olderMarked = new Set<string>();
  private markedSince = monotonicMs();
  private scanRequested = true;
  private lastScan = -Infinity;
  private lastMark = -Infinity;

  constructor(
    private readonly dataSource: DataSource,
    private readonly js: JetStreamClient,
    private readonly logger: CtpLogger,
    private readonly metrics: Metrics,
    private readonly options: OutboxRelayOptions = DEFAULT_OUTBOX_RELAY_OPTIONS,
  ) {
    this.leadership = new AdvisoryLeadership(dataSource, options.lockName);
    this.leader = new LeaderLoop(
      this.leadership,
      logger,
      {
        messages: {
          active: 'outbox relay active',
          failed: 'outbox relay cannot publish yet, will retry',
          recovered: 'outbox relay recovered',
        },
        lingerMs: options.lingerMs,
        // Not cut short by wake(): under load every commit wakes the relay, which would otherwise re-publish its
        // whole backlog in a tight loop at a broker that is failing (a cluster electing a leader, say).
        wakeDuringBackoff: false,
        onStandby: () => this.forgetMemory(),
      },
      (turn) => this.turn(turn),
    );
  }

  start(): void {
    if (!this.leader.start()) return;
    this.scanRequested = true;
  }

  async stop(): Promise<void> {
    await this.leader.stop(async (held) => {
      if (held) {
        await this.markSent().catch((err: Error) =>
          this.logger.warn({ msg: 'outbox relay could not mark its last rows sent', err: err.message }),
        );
      }
      this.forgetMemory();
    });
  }

  /** Rows were committed that this relay was not handed: read the table at once. */
  wake(): void {
    this.scanRequested = true;
    this.leader.wake();
  }

  committed(rows: OutboxRow[]): void {
    if (!this.leader.leading || this.handed.length + rows.length > MAX_HANDED) {
      this.wake();
      return;
    }
    let last = this.handed.length > 0 ? BigInt(this.handed[this.handed.length - 1].id) : undefined;
    let outOfOrder = false;
    for (const row of rows) {
      if (this.inMemory.has(row.id) || this.recentlyMarked.has(row.id) || this.olderMarked.has(row.id)) continue;
      this.inMemory.add(row.id);
      const id = BigInt(row.id);
      if (last !== undefined && id < last) outOfOrder = true;
      last = id;
      this.handed.push(row);
    }
    // `handed` stays in id order (a round merges it with the table's rows): two transactions committing at once may
    // hand their rows over in the other order than their ids, and nothing but habit orders one transaction's rows.
    if (outOfOrder) this.handed.sort(byId);
    this.leader.wake();
  }

  /** One turn of the leader: housekeeping, a round, and the handed rows marked sent when due. */
  private async turn(turn: LeaderTurn): Promise<number | undefined> {
    await this.housekeeping();
    const { read, failed, failure } = await this.relayOnce();
    // The first failure's reason in words (a full stream, its name, what frees it): the loop logs it as a WARN.
    if (failed > 0) throw new Error(`${failed} of ${read} publishes got no PubAck: ${failure}`);
    turn.succeeded();
    if (this.unmarked.length >= this.options.batchSize || monotonicMs() - this.lastMark >= this.options.markEveryMs)
      await this.markSent();
    // A full round: there may be more, at once.
    if (read >= this.options.batchSize) return undefined;
    return this.unmarked.length > 0 ? this.options.markEveryMs : this.options.pollIntervalMs;
  }

  /**
   * One round: the rows handed over, or — when asked, at start, after a failure and every `pollIntervalMs` — the
   * oldest unsent rows of the table; all published at once. Rows read from the table are marked sent at the end of the
   * round, handed ones within `markEveryMs`.
   */
  async relayOnce(): Promise<{ read: number; sent: number; failed: number; failure?: string }> {
    const scan = this.scanRequested || monotonicMs() - this.lastScan >= this.options.pollIntervalMs;
    let older: OutboxRow[] = [];
    if (scan) {
      this.scanRequested = false;
      this.lastScan = monotonicMs();
      // Rows published and not marked yet are in `inMemory`: left out here, marked with this round's at its end.
      older = await this.dataSource.query(
        `SELECT id, event_id, subject, payload, correlation_id FROM outbox_events
          WHERE sent_at IS NULL AND NOT (id = ANY($2::bigint[])) ORDER BY id LIMIT $1`,
        [this.options.batchSize, [...this.inMemory]],
      );
      for (const row of older) this.inMemory.add(row.id);
      // A full batch: there may be more behind it, read on at once.
      if (older.length === this.options.batchSize) this.scanRequested = true;
    }
    const { rows, fromTable } = this.takeRound(older);
    if (rows.length === 0) return { read: 0, sent: 0, failed: 0 };
    const results = await Promise.allSettled(rows.map((row) => this.publish(row)));
    const failedIds: string[] = [];
    let firstFailure: unknown;
    let sent = 0;
    let duplicates = 0;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        this.unmarked.push(rows[i].id);
        sent++;
        if (r.value.duplicate) duplicates++;
      } else {
        failedIds.push(rows[i].id);
        firstFailure ??= r.reason;
        this.inMemory.delete(rows[i].id);
      }
    });
    if (failedIds.length > 0) {
      // Left to the next read of the table, after the backoff.
      this.scanRequested = true;
      this.metrics.outboxPublishFailures.inc(failedIds.length);
      await this.dataSource.query(`UPDATE outbox_events SET attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [
        failedIds,
      ]);
    }
    if (scan) await this.markSent();
    this.metrics.outboxPublished.inc({ duplicate: 'false' }, sent - duplicates);
    if (duplicates) this.metrics.outboxPublished.inc({ duplicate: 'true' }, duplicates);
    this.logger.debug({
      msg: 'outbox relayed',
      fromTable,
      handed: rows.length - fromTable,
      sent,
      duplicates,
      failed: failedIds.length,
    });
    if (failedIds.length === 0) return { read: rows.length, sent, failed: 0 };
    return {
      read: rows.length,
      sent,
      failed: failedIds.length,
      failure: describePublishFailure(firstFailure, this.options.stream),
    };
  }

  /**
   * This round's rows: the lowest ids of what the table gave and what this process handed over, at most `batchSize`,
   * in id order. A row the table gave may be a later version, committed but not handed over yet, of an initiative
   * whose earlier version waits in memory; and a round that took only part of the handed rows must not publish a
   * table row that comes after the ones it left (they would leave after it: the order of commits broken, seen once in
   * CI as one transaction's events in the stream after the next one's). Table rows left for a later round are
   * forgotten, to be read again.
   */
  private takeRound(older: OutboxRow[]): { rows: OutboxRow[]; fromTable: number } {
    const size = this.options.batchSize;
    if (older.length === 0) return { rows: this.handed.splice(0, size), fromTable: 0 };
    // A row handed over while the table was read comes back from it too: one copy, the handed one dropped.
    const read = new Set(older.map((r) => r.id));
    const merged = mergeById(
      older,
      this.handed.filter((r) => !read.has(r.id)),
    );
    const rows = merged.slice(0, size);
    this.handed = [];
    let left = 0;
    for (const row of merged.slice(size)) {
      if (!read.has(row.id)) this.handed.push(row);
      else {
        left++;
        this.inMemory.delete(row.id);
        this.scanRequested = true;
      }
    }
    return { rows, fromTable: older.length - left };
  }

  /** Marks the published rows sent, in one statement. */
  private async markSent(): Promise<void> {
    this.lastMark = monotonicMs();
    if (this.unmarked.length === 0) return;
    const ids = this.unmarked;
    await this.dataSource.query(`UPDATE outbox_events SET sent_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
    this.unmarked = [];
    if (this.lastMark - this.markedSince >= 2000) {
      this.olderMarked = this.recentlyMarked;
      this.recentlyMarked = new Set();
      this.markedSince = this.lastMark;
    }
    for (const id of ids) {
      this.inMemory.delete(id);
      this.recentlyMarked.add(id);
    }
  }

  /**
   * Another relay may hold the lock now: whatever this one held in memory is read from the table again. Its backlog
   * gauges go back to 0, as on a process that never led: only the leader's say how the outbox is (a former leader's
   * last values, kept, would hold an alert firing for a backlog its successor has long drained).
   */
  private forgetMemory(): void {
    this.metrics.outboxBacklog.set(0);
    this.metrics.outboxOldestUnsentAge.set(0);
    this.lastHousekeeping = -Infinity;
    this.handed = [];
    this.unmarked = [];
    this.inMemory.clear();
    this.recentlyMarked = new Set();
    this.olderMarked = new Set();
    this.scanRequested = true;
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

  /**
   * The rows not yet accepted by the broker, and how long the oldest of them has waited (seconds, 0 when none), both by
   * the database: its clock wrote `created_at` (the writing transaction's start), so the app's clock cannot skew it.
   */
  async measureBacklog(): Promise<{ backlog: number; oldestUnsentAgeSeconds: number }> {
    const [row]: { backlog: number; oldest_age: number | null }[] = await this.dataSource.query(
      `SELECT count(*)::int AS backlog,
              GREATEST(0, EXTRACT(EPOCH FROM now() - min(created_at)))::float8 AS oldest_age
         FROM outbox_events WHERE sent_at IS NULL`,
    );
    return { backlog: Number(row?.backlog ?? 0), oldestUnsentAgeSeconds: Number(row?.oldest_age ?? 0) };
  }

  private async housekeeping(): Promise<void> {
    const now = monotonicMs();
    if (now - this.lastHousekeeping < 5000) return;
    this.lastHousekeeping = now;
    const { backlog, oldestUnsentAgeSeconds } = await this.measureBacklog();
    this.metrics.outboxBacklog.set(backlog);
    this.metrics.outboxOldestUnsentAge.set(oldestUnsentAgeSeconds);
    await this.dataSource.query(
      `DELETE FROM outbox_events WHERE id IN (
         SELECT id FROM outbox_events WHERE sent_at IS NOT NULL AND sent_at < now() - ($1::bigint * interval '1 millisecond')
         ORDER BY sent_at LIMIT 5000)`,
      [this.options.retentionMs],
    );
  }
}

/** Two lists in id order, as one in id order. */
function mergeById(a: OutboxRow[], b: OutboxRow[]): OutboxRow[] {
  const out: OutboxRow[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(byId(a[i], b[j]) <= 0 ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

function byId(a: OutboxRow, b: OutboxRow): number {
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
}
