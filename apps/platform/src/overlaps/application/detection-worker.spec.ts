import { JetStreamServer } from '@ctp/messaging';
import { CtpLogger, Metrics } from '@ctp/observability';
import { Transaction, UnitOfWork } from '@ctp/persistence';
import { PlatformConfig } from '../../config/platform.config';
import { OverlapRepository } from '../persistence/overlap.repository';
import { DetectionResult, DetectOverlaps } from './detect-overlaps';
import { DETECTION_SLOW_RUN_MS, DetectionWorker } from './detection-worker';
import { OverlapChanges } from './overlap-changes';

/*
 * What a detection run reports about its cost: a warn line and a counter per capped record, a warn line with the
 * slowest record when the run is slow, and the age of the run going on. The clock is jest's (a run's length is
 * whatever the test says it is, not measured).
 */
describe('DetectionWorker reporting', () => {
  const warnings: Record<string, unknown>[] = [];
  const log = {
    warn: (o: Record<string, unknown>) => warnings.push(o),
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
  } as unknown as CtpLogger;
  const config = { detectionMaxBatch: 100, detectionMaxCandidates: 20 } as PlatformConfig;
  const tx = { afterCommit: () => undefined } as unknown as Transaction;
  const unitOfWork = { run: <T>(work: (t: Transaction) => Promise<T>) => work(tx) } as unknown as UnitOfWork;
  const overlaps = {
    lockDetection: async () => undefined,
    takeQueued: async () => ({ taken: 3, initiativeIds: ['A', 'B', 'C'] }),
    queueLength: async () => 0,
  } as unknown as OverlapRepository;
  const changes = new OverlapChanges();
  const consumer = { backlog: () => 0 } as unknown as JetStreamServer;

  let metrics: Metrics;
  let execute: jest.Mock<Promise<DetectionResult>, [Transaction, string[], { maxCandidates?: number }]>;
  let worker: DetectionWorker;
  const metric = async (name: string) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values.reduce((n, v) => n + v.value, 0);
  const result = (over: Partial<DetectionResult> = {}): DetectionResult => ({
    changes: [],
    stats: { changed: 3, candidates: 40, compared: 40, written: 0, capped: 0 },
    stagesMs: {},
    capped: [],
    slowest: { initiativeId: 'B', candidates: 30, ms: 12 },
    ...over,
  });

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    warnings.length = 0;
    metrics = new Metrics('platform');
    execute = jest.fn();
    const detect = { execute, cache: { size: 0, hits: 0, misses: 0 } } as unknown as DetectOverlaps;
    worker = new DetectionWorker(config, 'consumer', log, unitOfWork, overlaps, detect, changes, consumer, metrics);
  });
  afterEach(() => jest.useRealTimers());

  it('passes the cap on, and counts and logs each capped record with its candidates and the cap', async () => {
    execute.mockResolvedValue(
      result({
        stats: { changed: 3, candidates: 40, compared: 40, written: 0, capped: 2 },
        capped: [
          { initiativeId: 'A', candidates: 900, compared: 20, cap: 20 },
          { initiativeId: 'C', candidates: 21, compared: 20, cap: 20 },
        ],
      }),
    );
    await worker.runOnce();
    expect(execute).toHaveBeenCalledWith(tx, ['A', 'B', 'C'], { maxCandidates: 20 });
    expect(await metric('ctp_detection_records_capped_total')).toBe(2);
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: expect.stringMatching(/^detection capped/),
        initiativeId: 'A',
        candidates: 900,
        cap: 20,
      }),
      expect.objectContaining({
        msg: expect.stringMatching(/^detection capped/),
        initiativeId: 'C',
        candidates: 21,
        cap: 20,
      }),
    ]);
  });

  it('logs a run longer than the threshold with its record and pair counts, duration and slowest record', async () => {
    execute.mockImplementation(async () => {
      jest.advanceTimersByTime(DETECTION_SLOW_RUN_MS + 500);
      return result();
    });
    await worker.runOnce();
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'detection run slow',
        records: 3,
        compared: 40,
        written: 0,
        durationMs: DETECTION_SLOW_RUN_MS + 500,
        slowestRecord: 'B',
        slowestRecordCandidates: 30,
      }),
    ]);
    expect(await metric('ctp_detection_records_capped_total')).toBe(0);
  });

  it('says nothing of a run within the threshold', async () => {
    execute.mockImplementation(async () => {
      jest.advanceTimersByTime(DETECTION_SLOW_RUN_MS - 1);
      return result();
    });
    await worker.runOnce();
    expect(warnings).toEqual([]);
  });

  it('shows how long the run going on has lasted, and says so in the log while it lasts', async () => {
    let during = -1;
    execute.mockImplementation(async () => {
      jest.advanceTimersByTime(25_000);
      during = await metric('ctp_detection_run_in_progress_seconds');
      return result();
    });
    await worker.runOnce();
    expect(during).toBe(25);
    expect(await metric('ctp_detection_run_in_progress_seconds')).toBe(0);
    expect(warnings.filter((w) => w.msg === 'detection run still running').map((w) => w.elapsedMs)).toEqual([
      10_000, 20_000,
    ]);
  });
});
