import {
  BUDGETS,
  cpuMsPerEvent,
  latencyBound,
  pacedRateFor,
  PipelineFigures,
  pipelineBudgets,
  platformBudgets,
  ratio,
  renderBudgets,
  scaleBudgets,
} from './budgets';
import { CpuUse } from './cpu';

const cpu = (cpuSeconds: Record<string, number>): CpuUse => ({ machineBusyPct: 50, cpuSeconds });

function pipeline(over: Partial<PipelineFigures['paced']> & { eventsPerSec?: number; cpuSeconds?: number } = {}) {
  const { eventsPerSec = 4000, cpuSeconds = 3, ...paced } = over;
  return {
    eventsPerSec,
    paced: { targetRate: 400, sendRatePerSec: 400, ok: 1000, measured: 1000, undecided: 0, p99Ms: 30, ...paced },
    pacedCpu: cpu({ service: cpuSeconds / 2, postgres: cpuSeconds / 2, bench: 9, other: 9 }),
  };
}

const byName = (budgets: { name: string; pass: boolean }[], start: string) => {
  const b = budgets.find((x) => x.name.startsWith(start));
  if (!b) throw new Error(`no budget named ${start}…: ${budgets.map((x) => x.name).join(', ')}`);
  return b;
};

describe('bench budgets (ratios to figures of the same run)', () => {
  it('derives the paced rate from the floor: 10% of its events/s, BENCH_PACED_RATE winning, never below 1/s', () => {
    expect(pacedRateFor(4485)).toBe(449);
    expect(pacedRateFor(12_796)).toBe(1280);
    expect(pacedRateFor(4485, 500)).toBe(500);
    expect(pacedRateFor(3)).toBe(1);
    expect(() => pacedRateFor(0)).toThrow(/no paced rate/);
    expect(() => pacedRateFor(NaN)).toThrow(/no paced rate/);
  });

  it('counts CPU per event over the processes under test only (not the bench, not the rest of the machine)', () => {
    expect(cpuMsPerEvent(cpu({ 'hub-eur': 1, platform: 0.5, postgres: 1.5, bench: 5, other: 20 }), 1000)).toBe(3);
    expect(cpuMsPerEvent(cpu({ platform: 1 }), 0)).toBeNaN();
  });

  it('ratio and latency bound', () => {
    expect(ratio(3, 4)).toBe(0.75);
    expect(ratio(2999, 4000)).toBeLessThan(0.75); // not rounded up to the budget
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(NaN, 2)).toBeNaN();
    expect(latencyBound(30, 2, 20)).toBe(80);
  });

  it('end to end passes at 75% of the floor and fails just below it', () => {
    const floor = pipeline({ eventsPerSec: 4000 });
    expect(byName(pipelineBudgets(pipeline({ eventsPerSec: 3000 }), floor), 'end-to-end').pass).toBe(true);
    expect(byName(pipelineBudgets(pipeline({ eventsPerSec: 2999 }), floor), 'end-to-end').pass).toBe(false);
  });

  it('paced p99 is held to 2 × the floor p99 + 20 ms, with the schedule held and every event decided', () => {
    const floor = pipeline({ p99Ms: 30 }); // bound: 80 ms
    const paced = (over: Partial<PipelineFigures['paced']>) =>
      byName(pipelineBudgets(pipeline(over), floor), 'paced p99').pass;
    expect(paced({ p99Ms: 80 })).toBe(true);
    expect(paced({ p99Ms: 80.1 })).toBe(false);
    expect(paced({ p99Ms: 10, sendRatePerSec: 300 })).toBe(false); // 75% of the 400/s asked: not held
    expect(paced({ p99Ms: 10, undecided: 1 })).toBe(false);
    expect(paced({ p99Ms: 10, measured: 0 })).toBe(false);
    // The same ours on a machine twice as slow (the floor's p99 doubled too) still passes: the budget is relative.
    expect(byName(pipelineBudgets(pipeline({ p99Ms: 130 }), pipeline({ p99Ms: 60 })), 'paced p99').pass).toBe(true);
  });

  it('CPU per accepted request passes at 1.5 × the floor and fails above', () => {
    const floor = pipeline({ cpuSeconds: 3 }); // 3 ms per event
    expect(byName(pipelineBudgets(pipeline({ cpuSeconds: 4.5 }), floor), 'CPU').pass).toBe(true);
    expect(byName(pipelineBudgets(pipeline({ cpuSeconds: 4.6 }), floor), 'CPU').pass).toBe(false);
    expect(byName(pipelineBudgets(pipeline({ ok: 0 }), floor), 'CPU').pass).toBe(false);
  });

  it('the platform part: throughput against the floor, GET /rollups while consuming against at rest', () => {
    const good = { eventsPerSec: 1500, rollupP99Ms: 40, rollupIdleP99Ms: 10, rollupMeasured: 80, rollupFailed: 0 };
    const floor = 12_796;
    expect(platformBudgets(good, floor).map((b) => b.pass)).toEqual([true, true]);
    expect(byName(platformBudgets({ ...good, eventsPerSec: 1400 }, floor), 'platform').pass).toBe(false);
    expect(byName(platformBudgets({ ...good, rollupP99Ms: 40.1 }, floor), 'GET /rollups').pass).toBe(false);
    expect(byName(platformBudgets({ ...good, rollupFailed: 1 }, floor), 'GET /rollups').pass).toBe(false);
  });

  it('the scale profile: the largest registry against the smallest, and the two limits', () => {
    const points = [
      { records: 200_000, eventsPerSec: 500, peakRssMiB: 900, rebuildMs: 100_000 },
      { records: 10_000, eventsPerSec: 1000, peakRssMiB: 400, rebuildMs: 5_000 },
    ];
    expect(scaleBudgets(points).map((b) => b.pass)).toEqual([true, true, true]);
    const worse = [
      { ...points[0], eventsPerSec: 499, peakRssMiB: BUDGETS.scaleRssMiB + 1, rebuildMs: 120_001 },
      points[1],
    ];
    expect(scaleBudgets(worse).map((b) => b.pass)).toEqual([false, false, false]);
    expect(
      scaleBudgets([{ ...points[0], peakRssMiB: null, rebuildMs: null }, points[1]])
        .slice(1)
        .map((b) => b.pass),
    ).toEqual([false, false]);
    const unmeasured = scaleBudgets([{ ...points[0], rebuildMs: null }, points[1]]);
    expect(renderBudgets('Targets', unmeasured)).toMatch(/platform:rebuild of 200000 records: .*NOT MEASURED$/m);
    expect(renderBudgets('Targets', unmeasured)).toMatch(/peak RSS .*PASS$/m);
  });

  it('the rebuild target: a rebuild stopped at its cap, or whose check failed, is a FAIL, not NOT MEASURED', () => {
    const small = { records: 10_000, eventsPerSec: 1000, peakRssMiB: 400, rebuildMs: 5_000 };
    const large = { records: 200_000, eventsPerSec: 600, peakRssMiB: 900 };
    const rebuildOf = (b: ReturnType<typeof scaleBudgets>) => b.find((x) => x.name.startsWith('platform:rebuild'))!;
    const checked = rebuildOf(
      scaleBudgets([{ ...large, rebuildMs: 90_000, rebuild: { ok: true, capped: false, capMs: 900_000 } }, small]),
    );
    expect([checked.pass, checked.actual]).toEqual([true, '90.0 s']);
    const stopped = rebuildOf(
      scaleBudgets([{ ...large, rebuildMs: null, rebuild: { ok: true, capped: true, capMs: 900_000 } }, small]),
    );
    expect([stopped.pass, stopped.notMeasured, stopped.actual]).toEqual([false, undefined, 'not finished in 900 s']);
    const wrong = rebuildOf(
      scaleBudgets([{ ...large, rebuildMs: 90_000, rebuild: { ok: false, capped: false, capMs: 900_000 } }, small]),
    );
    expect([wrong.pass, wrong.actual]).toEqual([false, '90.0 s, its check FAILED']);
    expect(renderBudgets('Targets', [wrong])).toMatch(/FAIL$/);
  });

  it('prints PASS or FAIL for each budget', () => {
    const text = renderBudgets('Budgets', pipelineBudgets(pipeline({ eventsPerSec: 100 }), pipeline()));
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toMatch(/end-to-end throughput: .*: 2\.5% {2}FAIL/);
    expect(text).toMatch(/CPU per accepted request.*1\.00× {2}PASS/);
  });
});
