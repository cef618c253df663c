import { TestNatsServer } from '../test/support/nats-server';
import { LatencyStages, LatencyStats, withTimeout } from './common';
import { CpuUse } from './cpu';
import { OutboxRow } from './payloads';

export interface BenchConfig {
  events: number;
  pacedRate: number;
  pacedSeconds: number;
  /** Paced sends not yet answered, at most (the schedule waits when it is reached). */
  maxInFlight: number;
  /** Unmeasured sends through the whole path before the paced part. */
  warmup: number;
  /** How often the bench counts decided events in the consumer's inbox. */
  pollMs: number;
  logDir: string;
  logLevel: string;
  /** BENCH_CPU_PROF=1: every service and floor process writes a V8 CPU profile into <logDir>/prof. */
  cpuProf: boolean;
}

export interface BenchContext {
  config: BenchConfig;
  nats: TestNatsServer;
  /** The throughput part's events, generated once: the same payloads for ours and the floor. */
  rows: OutboxRow[];
  cleanup: Cleanup;
  log: (line: string) => void;
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
