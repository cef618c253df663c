import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, JetStreamApiError, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { Counter, Gauge } from 'prom-client';
import { JetStreamNames } from '@ctp/contracts';
import { decodeEnvelope, JETSTREAM, JETSTREAM_MANAGER } from '@ctp/messaging';
import { CtpLogger, LOGGER, Metrics, ReadinessChecks, RequestProblem } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { HUB_CONFIG, HubConfig } from '../config/hub.config';
import { PublishedVersions, RecoveryPlan } from './published-versions';
import { RecoveryRepository } from './recovery.repository';

/** The consumer a hub reads its own events back with: one fixed name per region, its own subjects only. */
export function recoveryConsumerName(region: string): string {
  return `hub-${region}-recovery`;
}

export function recoveryFilterSubject(region: string): string {
  return `ctp.hub.${region}.initiative.>`;
}

/** A write arrived before the start-up check finished: 503, retry later. */
export class HubNotWritable extends RequestProblem {
  constructor(reason: string) {
    super(503, `the hub accepts no change until its start-up check is done: ${reason}; retry shortly`, [
      { field: 'hub', rule: 'recovered', message: reason },
    ]);
  }
}

/** What one start-up check did (logged as `stream recovery done`). */
export interface RecoveryResult {
  /** A database that never published anything: no check, the stream's current position is its starting point. */
  fresh: boolean;
  scannedFrom: number;
  scannedThrough: number;
  events: number;
  skipped: number;
  reimported: number;
  conflicts: number;
  /** Stream sequences the check should have read but the stream no longer keeps (its retention). */
  unverifiable?: [number, number];
}

const BATCH = 1000;

/** How often a writable hub moves its stream checkpoint to the stream's end. */
const CHECKPOINT_EVERY_MS = 60_000;

/**
 * The hub's start-up check against its own published events. A hub's database restored from a backup older than its
 * last published events no longer knows versions the platform holds: a write then would reuse a version with another
 * content, which the platform would ignore as stale. So at every start, before it accepts a write (HTTP and NATS
 * intake answer 503 and readiness says why), the hub reads its own initiative events from the stream from where its
 * database last checked (`stream_checkpoints`; a backup carries an older checkpoint, so the check reads everything
 * published after it) and stores again each snapshot newer than its database's: those changes were accepted and
 * published, so they are recovered, not lost, and the next write gets the version after the newest one published.
 * A version published with two contents is reported (log and metric), never repaired silently. See
 * docs/operations.md "Backups and restores".
 */
@Injectable()
export class StreamRecovery implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private checkpointTimer?: NodeJS.Timeout;
  private resolveWritable: () => void = () => undefined;
  private readonly writableNow = new Promise<void>((resolve) => (this.resolveWritable = resolve));
  private done = false;
  private reason = 'reading its published events back from the stream';
  private stopped = false;
  private running?: Promise<void>;
  private readonly records: Counter<'outcome'>;
  private readonly writable: Gauge;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly unitOfWork: UnitOfWork,
    private readonly store: RecoveryRepository,
    private readonly readiness: ReadinessChecks,
    metrics: Metrics,
  ) {
    this.records = new Counter({
      name: 'ctp_hub_recovery_records_total',
      help: 'Records of the start-up check against the stream: reimported (published, missing from the database) and conflict (a version with two contents)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.writable = new Gauge({
      name: 'ctp_hub_writable',
      help: '1 once the start-up check against the stream is done and the hub accepts changes, 0 before',
      registers: [metrics.registry],
    });
    this.writable.set(0);
  }

  onModuleInit(): void {
    this.readiness.register({
      name: 'stream-recovery',
      check: async () => {
        if (!this.done) throw new Error(`start-up check not done: ${this.reason}`);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.running = this.untilDone();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    await this.running;
  }

  get isWritable(): boolean {
    return this.done;
  }

  /**
   * Waits until the start-up check is done, at most `timeoutMs` (then HubNotWritable): what arrives from a stream (the
   * durable intake) waits here in its order, rather than being refused and redelivered out of order.
   */
  async untilWritable(timeoutMs = 20_000): Promise<void> {
    if (this.done) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HubNotWritable(this.reason)), timeoutMs);
    });
    try {
      await Promise.race([this.writableNow, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Throws HubNotWritable (503) until the start-up check is done. */
  assertWritable(): void {
    if (!this.done) throw new HubNotWritable(this.reason);
  }

  private async untilDone(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        // One replica of this hub at a time: they share the database and the recovery consumer's name (a second one
        // would split the first one's deliveries). The second then starts from the checkpoint the first moved.
        const result = await this.unitOfWork.run(async (tx) => {
          await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtext('ctp:hub-stream-recovery'))`);
          return this.recover();
        });
        this.log.info({ msg: 'stream recovery done', ...result });
        this.done = true;
        this.writable.set(1);
        this.resolveWritable();
        this.keepCheckpointCurrent();
        return;
      } catch (err) {
        this.reason = `the check against the stream failed (${(err as Error).message}), retrying`;
        this.log.warn({ msg: 'stream recovery failed, will retry', attempt, err: (err as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  /**
   * While the hub is writable, its checkpoint follows the stream (every CHECKPOINT_EVERY_MS): everything the stream
   * holds of this hub was committed here before it was published, so the next start-up reads only what came after (and
   * a backup taken later carries a recent checkpoint), not everything since the previous start.
   */
  private keepCheckpointCurrent(): void {
    this.checkpointTimer = setInterval(() => {
      void (async () => {
        try {
          const stream = JetStreamNames.eventsStream;
          const info = await this.jsm.streams.info(stream);
          await this.store.saveCheckpoint(stream, info.state.last_seq);
        } catch (err) {
          this.log.warn({ msg: 'stream checkpoint not saved, will try again', err: (err as Error).message });
        }
      })();
    }, CHECKPOINT_EVERY_MS);
    this.checkpointTimer.unref();
  }

  /** One check: read, compare, re-import, move the checkpoint. */
  async recover(): Promise<RecoveryResult> {
    const stream = JetStreamNames.eventsStream;
    const { checkpoint, used } = await this.store.state(stream);
    const info = await this.jsm.streams.info(stream);
    const lastSeq = info.state.last_seq;
    if (checkpoint === undefined && !used) {
      // A new hub database: nothing of it can be in the stream (what is there under its subjects belongs to another
      // database of this region, e.g. a test's), so the check starts from here.
      await this.store.saveCheckpoint(stream, lastSeq);
      return {
        fresh: true,
        scannedFrom: lastSeq + 1,
        scannedThrough: lastSeq,
        events: 0,
        skipped: 0,
        reimported: 0,
        conflicts: 0,
      };
    }
    const wanted = (checkpoint ?? 0) + 1;
    const from = Math.max(wanted, info.state.first_seq);
    const unverifiable: [number, number] | undefined =
      checkpoint !== undefined && from > wanted ? [wanted, from - 1] : undefined;
    if (unverifiable) {
      this.log.error({
        msg: 'stream recovery: events the check should read are no longer in the stream (its retention); changes published then and missing from this database are lost here, reconciliation cannot bring them back',
        stream,
        fromSeq: unverifiable[0],
        toSeq: unverifiable[1],
      });
    }
    this.reason = `reading its published events back from the stream (${stream} from sequence ${from})`;
    const published = from <= lastSeq ? await this.read(stream, from) : new PublishedVersions(`${this.config.orgRef}-`);
    const plan = await this.apply(stream, published, Math.max(lastSeq, published.lastSeq));
    for (const c of plan.conflicts) {
      this.log.error({
        msg: 'stream recovery: a version was published with two contents; the platform keeps the first it applied',
        initiativeId: c.initiativeId,
        version: c.version,
        seenIn: c.seenIn,
      });
    }
    this.records.inc({ outcome: 'reimported' }, plan.reimport.length);
    this.records.inc({ outcome: 'conflict' }, plan.conflicts.length);
    return {
      fresh: false,
      scannedFrom: from,
      scannedThrough: Math.max(lastSeq, published.lastSeq),
      events: published.events,
      skipped: published.skipped,
      reimported: plan.reimport.length,
      conflicts: plan.conflicts.length,
      ...(unverifiable ? { unverifiable } : {}),
    };
  }

  /** The hub's initiative events from `from` on, through a consumer of its own subjects that acknowledges nothing. */
  private async read(stream: string, from: number): Promise<PublishedVersions> {
    const name = recoveryConsumerName(this.config.region);
    await this.deleteConsumer(stream, name);
    await this.jsm.consumers.add(stream, {
      name,
      filter_subject: recoveryFilterSubject(this.config.region),
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
      inactive_threshold: nanos(60_000),
      mem_storage: true,
      num_replicas: 1,
    });
    const published = new PublishedVersions(`${this.config.orgRef}-`);
    try {
      const consumer = await this.js.consumers.get(stream, name);
      let pending = (await consumer.info(false)).num_pending;
      while (pending > 0 && !this.stopped) {
        const batch = await consumer.fetch({ max_messages: Math.min(pending, BATCH), expires: 5000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          pending = m.info.pending;
          let data: unknown;
          try {
            data = decodeEnvelope(m.data, m.headers).data;
          } catch {
            data = undefined;
          }
          published.add(m.seq, data);
        }
        if (got === 0) throw new Error(`no message from ${stream} while ${pending} were pending`);
      }
      if (this.stopped) throw new Error('stopped');
    } finally {
      await this.deleteConsumer(stream, name);
    }
    return published;
  }

  /** Stores what the stream holds newer than the database, and the new checkpoint, in one transaction. */
  private async apply(stream: string, published: PublishedVersions, through: number): Promise<RecoveryPlan> {
    return this.unitOfWork.run(async (tx) => {
      const stored = await this.store.storedVersions(tx, published.ids());
      const plan = published.plan(stored);
      for (const s of plan.reimport) {
        await this.store.storeAsPublished(tx, s, this.config.orgRef);
        this.log.info({
          msg: 'stream recovery: record stored again as published',
          initiativeId: s.initiativeId,
          version: s.version,
          withdrawn: s.withdrawal !== undefined,
        });
      }
      await this.store.saveCheckpoint(stream, through, tx);
      return plan;
    });
  }

  private async deleteConsumer(stream: string, name: string): Promise<void> {
    try {
      await this.jsm.consumers.delete(stream, name);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && (err.status === 404 || err.code === 10014))) throw err;
    }
  }
}
