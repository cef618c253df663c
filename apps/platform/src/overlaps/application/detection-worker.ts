import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JetStreamServer } from '@ctp/messaging';
import { CtpLogger, LOGGER, Metrics } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { Counter, Gauge, Histogram } from 'prom-client';
import { PLATFORM_CONFIG, PlatformConfig } from '../../config/platform.config';
import { PLATFORM_ROLE, PlatformRole } from '../../platform-role';
import { OverlapRepository } from '../persistence/overlap.repository';
import { DetectOverlaps } from './detect-overlaps';
import { OverlapChanges } from './overlap-changes';

/** A detection run longer than this is logged (warn) with its slowest record. */
export const DETECTION_SLOW_RUN_MS = 1000;
/** A run still going after this long is logged (warn) again every this long, until it ends. */
export const DETECTION_STILL_RUNNING_EVERY_MS = 10_000;

/**
 * Drains `detection_queue`: takes up to `detectionMaxBatch` queued records (each once, however often it was queued),
 * runs duplicate and overlap detection for them and deletes them from the queue, in one transaction — a crash leaves
 * them queued for the next run. One run at a time across every platform instance (an advisory lock). Woken right
 * after the consumer commits a change, and every `detectionPollMs` in case another instance or a crash left work.
 */
@Injectable()
export class DetectionWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private pending = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** On the monotonic clock (performance.now()), like every interval here: a wall clock set back holds nothing back. */
  private lastRunAt = Number.NEGATIVE_INFINITY;
  private readonly backlog: Gauge;
  private readonly runDuration: Histogram;
  private readonly capped: Counter;
  /** When the run going on started (ms since epoch); undefined between runs. */
  private runStartedAt: number | undefined;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(PLATFORM_ROLE) private readonly role: PlatformRole,
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly unitOfWork: UnitOfWork,
    private readonly overlaps: OverlapRepository,
    private readonly detect: DetectOverlaps,
    private readonly changes: OverlapChanges,
    private readonly consumer: JetStreamServer,
    metrics: Metrics,
  ) {
    // Shown by the thread that runs detection (not the platform process's api thread).
    const registers = role === 'api' ? [] : [metrics.registry];
    this.backlog = new Gauge({
      name: 'ctp_detection_backlog',
      help: 'Records queued for duplicate and overlap detection, after the last run',
      registers,
    });
    this.runDuration = new Histogram({
      name: 'ctp_detection_run_duration_seconds',
      help: 'Time of one detection run (one transaction over up to DETECTION_MAX_BATCH queued records)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.capped = new Counter({
      name: 'ctp_detection_records_capped_total',
      help: 'Changed records compared with only DETECTION_MAX_CANDIDATES of their candidates (flagged in detection_capped)',
      registers,
    });
    // The histogram sees a run when it ends: a run that does not end shows here.
    const inProgress: Gauge = new Gauge({
      name: 'ctp_detection_run_in_progress_seconds',
      help: 'How long the detection run going on has been running (0 between runs)',
      registers,
      collect: () =>
        inProgress.set(this.runStartedAt === undefined ? 0 : (performance.now() - this.runStartedAt) / 1000),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // The api thread of the platform process leaves detection to its consumer thread.
    if (this.role === 'api') {
      this.stopped = true;
      return;
    }
    await this.warm();
    this.timer = setInterval(() => this.wake(), this.config.detectionPollMs);
    this.timer.unref();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.loop;
  }

  /**
   * The blocking index loaded before the first run (part of the start-up, not of the first change's detection). A
   * failure is logged and left to the first run, which loads the index itself.
   */
  private async warm(): Promise<void> {
    const started = performance.now();
    try {
      const loaded = await this.unitOfWork.run(async (tx) => {
        await this.overlaps.lockDetection(tx);
        return this.detect.warm(tx);
      });
      if (loaded)
        this.log.info({
          msg: 'blocking index loaded',
          records: this.detect.blocking.records,
          ms: Math.round(performance.now() - started),
        });
    } catch (err) {
      this.log.warn({ msg: 'blocking index not loaded at start; the first detection run loads it', err: String(err) });
    }
  }

  /** Asks for a run; runs already going pick the new work up (coalesced). */
  wake(): void {
    if (this.stopped) return;
    this.pending = true;
    this.loop ??= this.drain().finally(() => (this.loop = undefined));
  }

  /** Resolves when the queue was seen empty after the last wake. For tools (rebuild) and tests. */
  async idle(): Promise<void> {
    this.wake();
    while (this.loop) await this.loop;
  }

  /**
   * The queue in the order of the records' start dates (OverlapRepository.orderQueueByDates), under the detection
   * lock. For platform:rebuild, once its replay has queued every record: in arrival order, a run's 2,000 records were
   * spread over decades and most of their candidates had to be loaded again (the cache holds DETECTION_CACHE_SIZE).
   */
  async orderQueueByDates(): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      await this.overlaps.lockDetection(tx);
      return this.overlaps.orderQueueByDates(tx);
    });
  }

  /**
   * Every cluster recomputed from the stored pairs (DetectOverlaps.reclusterAll), under the detection lock: for
   * platform:rebuild, after its last run (its runs store no clusters). Returns how many records' clusters changed.
   */
  async reclusterAll(): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      await this.overlaps.lockDetection(tx);
      return this.detect.reclusterAll(tx);
    });
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.stopped) {
      this.pending = false;
      try {
        do await this.yieldToConsumer();
        while ((await this.runOnce()) === this.config.detectionMaxBatch && !this.stopped);
      } catch (err) {
        this.log.error({ msg: 'detection run failed, retrying in 1 s', err: (err as Error).stack });
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
        this.pending = true;
      }
    }
  }

  /**
   * Runs are at least `detectionIntervalMs` apart (a trickle of changes is compared in batches). And applying events
   * comes first: while the consumer has events waiting (received and not applied yet, or still at the broker), wait (at most
   * `detectionDeferMs`, so that detection still runs under a sustained load, then in larger batches).
   */
  private async yieldToConsumer(): Promise<void> {
    const next = this.lastRunAt + this.config.detectionIntervalMs;
    while (performance.now() < next && !this.stopped) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, next - performance.now())));
    }
    const until = performance.now() + this.config.detectionDeferMs;
    while (this.consumer.backlog() > 0 && performance.now() < until && !this.stopped) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** One run: returns how many queue entries it took. */
  async runOnce(): Promise<number> {
    const started = process.hrtime.bigint();
    this.lastRunAt = performance.now();
    this.runStartedAt = this.lastRunAt;
    let records = 0;
    // A run that does not end says so (the histogram and the slow-run line come at its end).
    const stillRunning = setInterval(
      () =>
        this.log.warn({
          msg: 'detection run still running',
          records,
          elapsedMs: Math.round(performance.now() - (this.runStartedAt ?? performance.now())),
        }),
      DETECTION_STILL_RUNNING_EVERY_MS,
    );
    stillRunning.unref();
    let run;
    try {
      run = await this.unitOfWork.run(async (tx) => {
        await this.overlaps.lockDetection(tx);
        const queued = await this.overlaps.takeQueued(tx, this.config.detectionMaxBatch);
        records = queued.initiativeIds.length;
        if (queued.taken === 0) return { queued, left: 0 };
        const result = await this.detect.execute(tx, queued.initiativeIds, {
          maxCandidates: this.config.detectionMaxCandidates,
        });
        const left = await this.overlaps.queueLength(tx);
        this.changes.changed(tx);
        return { queued, result, left };
      });
    } finally {
      clearInterval(stillRunning);
      this.runStartedAt = undefined;
    }
    this.backlog.set(run.left);
    if (run.queued.taken === 0 || !run.result) return 0;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.runDuration.observe(seconds);
    const { result } = run;
    for (const c of result.capped) {
      this.capped.inc();
      this.log.warn({
        msg: 'detection capped: record compared with only part of its candidates, flagged for an analyst',
        initiativeId: c.initiativeId,
        candidates: c.candidates,
        compared: c.compared,
        cap: c.cap,
      });
    }
    const durationMs = Math.round(seconds * 10_000) / 10;
    if (durationMs > DETECTION_SLOW_RUN_MS) {
      this.log.warn({
        msg: 'detection run slow',
        records: result.stats.changed,
        compared: result.stats.compared,
        written: result.stats.written,
        durationMs,
        thresholdMs: DETECTION_SLOW_RUN_MS,
        slowestRecord: result.slowest?.initiativeId,
        slowestRecordCandidates: result.slowest?.candidates,
        slowestRecordMs: result.slowest?.ms,
        capped: result.stats.capped,
        stagesMs: result.stagesMs,
      });
    }
    this.log.debug({
      msg: 'detection run',
      queued: run.queued.taken,
      ...result.stats,
      classificationChanges: result.changes.length,
      left: run.left,
      durationMs,
      stagesMs: result.stagesMs,
      slowest: result.slowest,
      candidateCache: { size: this.detect.cache.size, hits: this.detect.cache.hits, misses: this.detect.cache.misses },
    });
    return run.queued.taken;
  }
}
