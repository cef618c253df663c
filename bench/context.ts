import { LatencyStages, LatencyStats, withTimeout } from './common';
import { CpuUse } from './cpu';
import { BenchNats, NatsMode } from './nats';
import { OutboxRow } from './payloads';

export interface BenchConfig {
  events: number;
  /** BENCH_PACED_RATE, if given; otherwise the paced rate is a share of the floor's measured throughput (budgets.ts). */
  pacedRate?: number;
  pacedSeconds: number;
  /** Paced sends not yet answered, at most (the schedule waits when it is reached). */
  maxInFlight: number;
  /** Unmeasured sends through the whole path, at the paced rate, before the paced part (BENCH_PACED_WARMUP; default: as many as measured). */
  warmup?: number;
  /** Unmeasured events through the outbox → consumer path before the throughput part (BENCH_THROUGHPUT_WARMUP). */
  throughputWarmup: number;
  /** How often the bench counts decided events in the consumer's inbox. */
  pollMs: number;
  logDir: string;
  logLevel: string;
  /** BENCH_SERVICE_ENV="K=V K2=V2": extra settings for our services (e.g. to try CONSUMER_LINGER_MS), printed with the figures. */
  serviceEnv: Record<string, string>;
  /** BENCH_CPU_PROF=1: every service and floor process writes a V8 CPU profile into <logDir>/prof. */
  cpuProf: boolean;
  /** The platform part: initiatives stored before it is measured (BENCH_PLATFORM_SEED). */
  platformSeed: number;
  /** The platform part: events measured through the full consumer (BENCH_PLATFORM_EVENTS). */
  platformEvents: number;
  /** The platform part: one GET /rollups every this many ms while it consumes, at most one in flight. */
  rollupEveryMs: number;
  /** BENCH_NATS: `open` (anonymous) or `secured` (every process under its own NATS identity; see nats.ts). */
  nats: NatsMode;
  /** The NestJS peer (bench/peer/) beside ours and the floor; BENCH_PEER=0 leaves it out. */
  peer: boolean;
}

export interface BenchContext {
  config: BenchConfig;
  nats: BenchNats;
  /** The throughput part's events, generated once: the same payloads for ours and the floor. */
  rows: OutboxRow[];
  /** Events sent through the same path first, not measured (other initiatives): the same for ours and the floor. */
  warmupRows: OutboxRow[];
  cleanup: Cleanup;
  log: (line: string) => void;
  /** Set by the floor once its throughput is known (the paced rate derives from it); used by ours and the peer. */
  paced?: PacedPlan;
}

/** The paced part of every pipeline in a run: the same rate, count and warm-up for the floor, ours and the peer. */
export interface PacedPlan {
  rate: number;
  count: number;
  warmup: number;
  /** How the rate was chosen, for the report. */
  basis: string;
}

export function pacedPlanOf(ctx: BenchContext): PacedPlan {
  if (!ctx.paced) throw new Error('the paced plan is set by the floor, which runs first');
  return ctx.paced;
}

export interface PipelineResult {
  throughput: {
    events: number;
    elapsedMs: number;
    eventsPerSec: number;
    /** From the first COMMIT of the bulk insert to the last: how staggered the start was. */
    commitSpreadMs: number;
    polls: number;
  };
  paced: LatencyStats & {
    /** The rate asked for (the run's paced plan). */
    targetRate: number;
    requested: number;
    issued: number;
    ok: number;
    failed: number;
    sendRatePerSec: number;
    /** How late the latest send left compared with its slot in the schedule. */
    maxBehindMs: number;
    undecided: number;
    stages: LatencyStages;
  };
  peakRssMiB: Record<string, number | null>;
  /** Where the CPU went during each part (diagnostic). */
  cpu: { throughput: CpuUse; paced: CpuUse };
  notes: string[];
}

export interface OverlapCounts {
  /** Live (not withdrawn) records in the registry. */
  liveRecords: number;
  /** Pairs whose effective classification is DUPLICATE / OVERLAP, and every pair stored (cleared ones included). */
  duplicatePairs: number;
  overlapPairs: number;
  storedPairs: number;
  clusters: number;
  clusteredRecords: number;
  largestCluster: number;
}

/** The platform part: the full consumer (rules, registry, detection, rollups) with a registry already stored. */
export interface PlatformResult {
  seed: {
    initiatives: number;
    hub: number;
    partner: number;
    /** Partner reports of a hub's activity among them. */
    genuineDuplicates: number;
    payloadBytesAvg: number;
    /** Not a figure: how long storing them took (published at once, until all decided). */
    elapsedMs: number;
    eventsPerSec: number;
    overlaps: OverlapCounts;
  };
  throughput: {
    events: number;
    /** The measured events by kind: new records, updates, withdrawals, stale re-sends. */
    mix: Record<string, number>;
    /** From the first publish until the inbox holds them all decided. */
    elapsedMs: number;
    eventsPerSec: number;
    /** From the first publish until the last PubAck. */
    publishMs: number;
    polls: number;
  };
  /** The measured events' outcomes, `APPLIED`, `IGNORED <reason>`, `REJECTED <reason>`; and what the rules predict. */
  outcomes: Record<string, number>;
  expectedOutcomes: Record<string, number>;
  /** At the end of the measured part. */
  overlaps: OverlapCounts & {
    /** ctp.platform.overlap.flagged / .cleared events written during the measured part. */
    flaggedEvents: number;
    clearedEvents: number;
    rollupEvents: number;
    /** Partner re-reports of a hub's activity, both records live at the end, and how the platform classified them. */
    genuine: { pairs: number; duplicate: number; overlap: number; neither: number };
  };
  rollups: LatencyStats & {
    failed: number;
    byRequest: Record<string, { measured: number; p50Ms: number; p99Ms: number; maxMs: number }>;
    /** The same requests before the measured part, with nothing being consumed. */
    idle: LatencyStats;
  };
  peakRssMiB: number | null;
  cpu: CpuUse;
  notes: string[];
}

/**
 * What must be undone, in reverse order of registration, once: on success, on failure and on SIGINT. Each step has
 * its own time limit and a failing step does not keep the others from running.
 */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void>; timeoutMs: number }[] = [];
  private running?: Promise<void>;

  add(what: string, run: () => Promise<void>, timeoutMs = 20_000): void {
    this.steps.push({ what, run, timeoutMs });
  }

  runAll(log: (line: string) => void): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        try {
          await withTimeout(step.what, step.timeoutMs, step.run());
        } catch (err) {
          log(`cleanup: ${step.what} failed: ${(err as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}
