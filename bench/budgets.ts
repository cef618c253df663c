import { CpuUse } from './cpu';

/**
 * The bench's budgets, every one a ratio to something measured in the same run (the floor, or the same system at
 * rest or at a smaller size), so that they mean the same on a fast machine and on a slow or busy one. The absolute
 * figures are still printed, as information; none of them is a budget.
 */
export const BUDGETS = {
  /** End-to-end throughput (outbox backlog → all decided): ours / the floor's. */
  throughputShareOfFloor: 0.75,
  /** The paced part runs at this share of the floor's measured end-to-end throughput (unless BENCH_PACED_RATE). */
  pacedShareOfFloor: 0.1,
  /** Hub commit → platform decision at the paced rate: p99 <= factor × the floor's p99 + slack. */
  p99FactorOfFloor: 2,
  p99SlackMs: 20,
  /** The paced part counts only if the schedule was held: achieved send rate >= this share of the rate asked. */
  pacedRateHeld: 0.9,
  /** CPU-seconds per accepted request in the paced part, all processes (services, PostgreSQL, nats-server): ours / the floor's per event. */
  cpuPerEventFactorOfFloor: 1.5,
  /**
   * The platform part (full consumer with the registry stored) against the floor's end-to-end events/s: 11.7 % is the
   * old absolute budget (1,500 events/s) over the floor on the reference machine (12,796 events/s, 2026-11-27).
   */
  platformShareOfFloor: 0.117,
  /** GET /rollups p99 while consuming <= factor × its p99 at rest (the same platform just before) + slack. */
  rollupP99FactorOfIdle: 2,
  rollupP99SlackMs: 20,
  /** Scale profile: events/s with the largest registry >= this share of the events/s with the smallest. */
  scaleThroughputShare: 0.5,
  /** Scale profile: the platform's peak RSS at the largest registry (MiB); a resource limit, not a speed. */
  scaleRssMiB: 1024,
  /** Scale profile: rebuild of the largest registry, in seconds (the "≤ 2 minutes for 200,000 records"). */
  scaleRebuildSeconds: 120,
} as const;

/** One budget as printed: what is required, the ratio or value measured, and whether it passes. */
export interface Budget {
  name: string;
  required: string;
  actual: string;
  pass: boolean;
  /** Not measured in this run (printed NOT MEASURED, not FAIL). */
  notMeasured?: boolean;
}

/** The paced part's rate: BENCH_PACED_RATE if given, otherwise a share of the floor's end-to-end events/s (>= 1/s). */
export function pacedRateFor(
  floorEventsPerSec: number,
  explicitRate?: number,
  share: number = BUDGETS.pacedShareOfFloor,
) {
  if (explicitRate !== undefined) return explicitRate;
  if (!(floorEventsPerSec > 0))
    throw new Error(`the floor's throughput is ${floorEventsPerSec} events/s: no paced rate`);
  return Math.max(1, Math.round(floorEventsPerSec * share));
}

/** Processes that are not part of the pipeline under test: the bench itself and the rest of the machine. */
const NOT_UNDER_TEST = new Set(['bench', 'other']);

/**
 * CPU milliseconds per event over an interval: every process under test (services or floor processes, PostgreSQL's
 * backends of the run's databases, nats-server) summed, divided by the events. NaN when there were none.
 */
export function cpuMsPerEvent(cpu: CpuUse, events: number): number {
  if (!(events > 0)) return NaN;
  const seconds = Object.entries(cpu.cpuSeconds)
    .filter(([name]) => !NOT_UNDER_TEST.has(name))
    .reduce((a, [, v]) => a + v, 0);
  return Math.round((seconds * 1e6) / events) / 1000;
}

/** a / b, unrounded (a budget compares the exact ratio); NaN when b is not a positive number. */
export function ratio(a: number, b: number): number {
  return b > 0 && Number.isFinite(a) ? a / b : NaN;
}

/** For the report: rounded to 3 decimals. */
export const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** A latency bound of the form `factor × reference + slack` (ms). */
export function latencyBound(referenceMs: number, factor: number, slackMs: number): number {
  return Math.round((factor * referenceMs + slackMs) * 10) / 10;
}

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—');
const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '—');

/** What the budgets need from one pipeline (ours, the floor, the peer). */
export interface PipelineFigures {
  eventsPerSec: number;
  paced: { targetRate: number; sendRatePerSec: number; ok: number; measured: number; undecided: number; p99Ms: number };
  pacedCpu: CpuUse;
}

/** The end-to-end budgets of ours against the floor measured in the same run. */
export function pipelineBudgets(ours: PipelineFigures, floor: PipelineFigures): Budget[] {
  const share = ratio(ours.eventsPerSec, floor.eventsPerSec);
  const p99Bound = latencyBound(floor.paced.p99Ms, BUDGETS.p99FactorOfFloor, BUDGETS.p99SlackMs);
  const held = ratio(ours.paced.sendRatePerSec, ours.paced.targetRate);
  const oursCpu = cpuMsPerEvent(ours.pacedCpu, ours.paced.ok);
  const floorCpu = cpuMsPerEvent(floor.pacedCpu, floor.paced.ok);
  const cpuRatio = ratio(oursCpu, floorCpu);
  return [
    {
      name: 'end-to-end throughput',
      required: `ours >= ${BUDGETS.throughputShareOfFloor * 100}% of the floor's events/s`,
      actual: pct(share),
      pass: share >= BUDGETS.throughputShareOfFloor,
    },
    {
      name: `paced p99 at ${ours.paced.targetRate}/s`,
      required:
        `hub commit → platform decision p99 <= ${BUDGETS.p99FactorOfFloor} × the floor's p99 (${ms(floor.paced.p99Ms)}) ` +
        `+ ${BUDGETS.p99SlackMs} ms = ${ms(p99Bound)}, schedule held (>= ${BUDGETS.pacedRateHeld * 100}% of the rate), all decided`,
      actual: `${ms(ours.paced.p99Ms)}, rate held ${pct(held)}, ${ours.paced.undecided} undecided`,
      pass:
        ours.paced.measured > 0 &&
        ours.paced.undecided === 0 &&
        ours.paced.p99Ms <= p99Bound &&
        held >= BUDGETS.pacedRateHeld,
    },
    {
      name: 'CPU per accepted request (paced part, all processes)',
      required: `ours <= ${BUDGETS.cpuPerEventFactorOfFloor} × the floor's CPU per event`,
      actual: `${oursCpu.toFixed(2)} / ${floorCpu.toFixed(2)} ms = ${Number.isFinite(cpuRatio) ? cpuRatio.toFixed(2) : '—'}×`,
      pass: cpuRatio <= BUDGETS.cpuPerEventFactorOfFloor,
    },
  ];
}

/** The platform part's budgets: its throughput against the floor's, GET /rollups while consuming against at rest. */
export function platformBudgets(
  platform: {
    eventsPerSec: number;
    rollupP99Ms: number;
    rollupIdleP99Ms: number;
    rollupMeasured: number;
    rollupFailed: number;
  },
  floorEventsPerSec: number,
): Budget[] {
  const share = ratio(platform.eventsPerSec, floorEventsPerSec);
  const bound = latencyBound(platform.rollupIdleP99Ms, BUDGETS.rollupP99FactorOfIdle, BUDGETS.rollupP99SlackMs);
  return [
    {
      name: 'platform throughput, registry stored',
      required: `>= ${(BUDGETS.platformShareOfFloor * 100).toFixed(1)}% of the floor's end-to-end events/s`,
      actual: pct(share),
      pass: share >= BUDGETS.platformShareOfFloor,
    },
    {
      name: 'GET /rollups p99 while consuming',
      required:
        `<= ${BUDGETS.rollupP99FactorOfIdle} × its p99 at rest (${ms(platform.rollupIdleP99Ms)}) + ` +
        `${BUDGETS.rollupP99SlackMs} ms = ${ms(bound)}, none failed`,
      actual: ms(platform.rollupP99Ms),
      pass: platform.rollupMeasured > 0 && platform.rollupFailed === 0 && platform.rollupP99Ms <= bound,
    },
  ];
}

/** The scale profile's targets: the curve against its own smallest size, plus two limits named by the issue. */
export function scaleBudgets(
  points: {
    records: number;
    eventsPerSec: number;
    peakRssMiB: number | null;
    rebuildMs: number | null;
    /** The rebuild's check (its records are the live ones), and whether it was stopped at its cap; absent: not run. */
    rebuild?: { ok: boolean; capped: boolean; capMs: number } | null;
  }[],
): Budget[] {
  if (points.length === 0) return [];
  const sorted = [...points].sort((a, b) => a.records - b.records);
  const small = sorted[0];
  const large = sorted[sorted.length - 1];
  const share = ratio(large.eventsPerSec, small.eventsPerSec);
  const rss = large.peakRssMiB;
  const rebuild = large.rebuildMs;
  const run = large.rebuild ?? null;
  const rebuildActual =
    run?.capped === true
      ? `not finished in ${(run.capMs / 1000).toFixed(0)} s`
      : rebuild === null
        ? '—'
        : `${(rebuild / 1000).toFixed(1)} s${run && !run.ok ? ', its check FAILED' : ''}`;
  return [
    {
      name: `events/s with ${large.records} stored`,
      required: `>= ${BUDGETS.scaleThroughputShare * 100}% of the events/s with ${small.records} stored`,
      actual: pct(share),
      pass: share >= BUDGETS.scaleThroughputShare,
    },
    {
      name: `platform peak RSS with ${large.records} stored`,
      required: `<= ${BUDGETS.scaleRssMiB} MiB`,
      actual: rss === null ? '—' : `${rss.toFixed(0)} MiB`,
      pass: rss !== null && rss <= BUDGETS.scaleRssMiB,
    },
    {
      name: `platform:rebuild of ${large.records} records`,
      required: `<= ${BUDGETS.scaleRebuildSeconds} s`,
      actual: rebuildActual,
      pass: rebuild !== null && rebuild <= BUDGETS.scaleRebuildSeconds * 1000 && run?.ok !== false,
      ...(rebuild === null && !run ? { notMeasured: true } : {}),
    },
  ];
}

/** The budgets as printed lines: `  name: required — actual  PASS|FAIL`. */
export function renderBudgets(title: string, budgets: Budget[]): string {
  return [title, ...budgets.map((b) => `  ${b.name}: ${b.required}: ${b.actual}  ${verdict(b)}`)].join('\n');
}

/** PASS, FAIL or NOT MEASURED. */
export function verdict(b: Budget): string {
  return b.notMeasured ? 'NOT MEASURED' : b.pass ? 'PASS' : 'FAIL';
}
