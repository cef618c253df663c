import { Budget, cpuMsPerEvent, pipelineBudgets, platformBudgets, ratio, renderBudgets, round3 } from './budgets';
import { BenchConfig, PacedPlan, PipelineResult, PlatformResult } from './context';

export interface BenchReport {
  bench: 'ctp-hub-to-platform';
  startedAt: string;
  revision: { commit: string; changedFiles: number };
  machine: { cpus: number; node: string; natsServer: string; postgres: string; backgroundBusyPct: number };
  config: Omit<BenchConfig, 'logDir'> & { payloadBytesAvg: number; snapshotBytesAvg: number };
  paced: PacedPlan;
  ours: PipelineResult;
  floor: PipelineResult;
  /** The NestJS peer (bench/peer/), when it ran. */
  peer?: PipelineResult;
  platform: PlatformResult;
  ratio: {
    throughputOursOverFloor: number;
    p99OursOverFloor: number;
    cpuPerEventOursOverFloor: number;
    throughputOursOverPeer?: number;
    p99OursOverPeer?: number;
  };
  /** CPU ms per accepted request in the paced part, all processes under test. */
  cpuMsPerEvent: { ours: number; floor: number; peer?: number };
  budgets: Budget[];
}

function figures(r: PipelineResult) {
  return { eventsPerSec: r.throughput.eventsPerSec, paced: r.paced, pacedCpu: r.cpu.paced };
}

export function evaluate(base: Omit<BenchReport, 'ratio' | 'budgets' | 'cpuMsPerEvent'>): BenchReport {
  const { ours, floor, peer, platform } = base;
  const cpu = {
    ours: cpuMsPerEvent(ours.cpu.paced, ours.paced.ok),
    floor: cpuMsPerEvent(floor.cpu.paced, floor.paced.ok),
    ...(peer ? { peer: cpuMsPerEvent(peer.cpu.paced, peer.paced.ok) } : {}),
  };
  return {
    ...base,
    ratio: {
      throughputOursOverFloor: round3(ratio(ours.throughput.eventsPerSec, floor.throughput.eventsPerSec)),
      p99OursOverFloor: round3(ratio(ours.paced.p99Ms, floor.paced.p99Ms)),
      cpuPerEventOursOverFloor: round3(ratio(cpu.ours, cpu.floor)),
      ...(peer
        ? {
            throughputOursOverPeer: round3(ratio(ours.throughput.eventsPerSec, peer.throughput.eventsPerSec)),
            p99OursOverPeer: round3(ratio(ours.paced.p99Ms, peer.paced.p99Ms)),
          }
        : {}),
    },
    cpuMsPerEvent: cpu,
    budgets: [
      ...pipelineBudgets(figures(ours), figures(floor)),
      ...platformBudgets(
        {
          eventsPerSec: platform.throughput.eventsPerSec,
          rollupP99Ms: platform.rollups.p99Ms,
          rollupIdleP99Ms: platform.rollups.idle.p99Ms,
          rollupMeasured: platform.rollups.measured,
          rollupFailed: platform.rollups.failed,
        },
        floor.throughput.eventsPerSec,
      ),
    ],
  };
}

const fmt = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits });

export function renderTable(r: BenchReport): string {
  const cols: [string, PipelineResult][] = [
    ['ours', r.ours],
    ['floor', r.floor],
    ...(r.peer ? ([['peer (NestJS)', r.peer]] as [string, PipelineResult][]) : []),
  ];
  const rows: string[][] = [];
  const pctOf = (a: number, b: number) => (b > 0 ? `${fmt((a / b) * 100, 1)}%` : '—');
  const line = (label: string, cell: (x: PipelineResult) => string, vs = '') =>
    rows.push([label, ...cols.map(([, x]) => cell(x)), vs]);
  const title = (label: string) => rows.push([label, ...cols.map(() => ''), '']);
  const o = r.ours;
  const f = r.floor;
  title('End-to-end throughput');
  line(
    `  events/s (${fmt(o.throughput.events)} events)`,
    (x) => fmt(x.throughput.eventsPerSec),
    pctOf(o.throughput.eventsPerSec, f.throughput.eventsPerSec),
  );
  line('  elapsed, first commit (peer: request) → all decided (s)', (x) => fmt(x.throughput.elapsedMs / 1000, 2));
  title(`Latency, paced ${r.paced.rate}/s (${r.paced.basis}) for ${r.config.pacedSeconds} s`);
  line('  achieved send rate (events/s)', (x) => fmt(x.paced.sendRatePerSec));
  line('  sent ok / failed', (x) => `${fmt(x.paced.ok)} / ${fmt(x.paced.failed)}`);
  line('  p50 (ms)', (x) => fmt(x.paced.p50Ms, 1), pctOf(o.paced.p50Ms, f.paced.p50Ms));
  line('  p99 (ms)', (x) => fmt(x.paced.p99Ms, 1), pctOf(o.paced.p99Ms, f.paced.p99Ms));
  line('  max (ms)', (x) => fmt(x.paced.maxMs, 1));
  line('  mean (ms)', (x) => fmt(x.paced.meanMs, 1));
  const st = (v: { p50Ms: number; p99Ms: number } | undefined) => (v ? `${fmt(v.p50Ms, 1)} / ${fmt(v.p99Ms, 1)}` : '—');
  line('  p50 / p99 (ms), created → marked sent (ours: marks batched every 100 ms)', (x) =>
    st(x.paced.stages.createdToSent),
  );
  line('    created → consumer tx start', (x) => st(x.paced.stages.createdToReceived));
  line('    consumer tx start → decided', (x) => st(x.paced.stages.receivedToDecided));
  line('  measured (undecided)', (x) => `${fmt(x.paced.measured)} (${x.paced.undecided})`);
  line(
    '  CPU ms per accepted request, all processes',
    (x) => fmt(cpuMsPerEvent(x.cpu.paced, x.paced.ok), 2),
    Number.isFinite(r.ratio.cpuPerEventOursOverFloor) ? `${fmt(r.ratio.cpuPerEventOursOverFloor, 2)}×` : '—',
  );
  title('Peak RSS, VmHWM (MiB)');
  const names = [...new Set(cols.flatMap(([, x]) => Object.keys(x.peakRssMiB)))];
  for (const name of names) line(`  ${name}`, (x) => fmt(x.peakRssMiB[name], 1));
  const sum = (m: Record<string, number | null>) => Object.values(m).reduce<number>((a, b) => a + (b ?? 0), 0);
  line('  total', (x) => fmt(sum(x.peakRssMiB), 1));
  title('CPU s, throughput part / paced part');
  line(
    '  machine busy (% of all cores)',
    (x) => `${fmt(x.cpu.throughput.machineBusyPct)} / ${fmt(x.cpu.paced.machineBusyPct)}`,
  );
  const cpuNames = [...new Set(cols.flatMap(([, x]) => Object.keys(x.cpu.throughput.cpuSeconds)))];
  for (const name of cpuNames) {
    line(`  ${name}`, (x) =>
      name in x.cpu.throughput.cpuSeconds
        ? `${fmt(x.cpu.throughput.cpuSeconds[name], 2)} / ${fmt(x.cpu.paced.cpuSeconds[name], 2)}`
        : '—',
    );
  }

  const head = ['', ...cols.map(([name]) => name), 'ours/floor'];
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((row) => row[i].length)));
  const render = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ');
  const out = [render(head), '-'.repeat(widths.reduce((a, b) => a + b + 3, -3)), ...rows.map(render)];
  out.push('', renderPlatform(r.platform));
  if (r.peer) {
    out.push(
      '',
      `Ours against the peer (information): throughput ${fmt(r.ratio.throughputOursOverPeer, 2)}× the peer's, ` +
        `paced p99 ${fmt(r.ratio.p99OursOverPeer, 2)}× the peer's, CPU per request ` +
        `${fmt(ratio(r.cpuMsPerEvent.ours, r.cpuMsPerEvent.peer ?? NaN), 2)}× the peer's`,
    );
  }
  out.push('', renderBudgets('Budgets (ratios to figures of this run)', r.budgets));
  const notes = [
    ...o.notes.map((n) => `ours: ${n}`),
    ...f.notes.map((n) => `floor: ${n}`),
    ...(r.peer?.notes ?? []).map((n) => `peer: ${n}`),
    ...r.platform.notes.map((n) => `platform: ${n}`),
  ];
  if (notes.length) out.push('', ...notes.map((n) => `  ${n}`));
  return out.join('\n');
}

/** The platform part, as label/value rows. */
function renderPlatform(p: PlatformResult): string {
  const rows: [string, string][] = [];
  const line = (label: string, value = '') => rows.push([label, value]);
  const counts = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ');
  const s = p.seed;
  line(
    `Platform: full consumer, ${fmt(s.initiatives)} initiatives stored`,
    `${fmt(s.hub)} hub + ${fmt(s.partner)} partner, ${fmt(s.genuineDuplicates)} re-reports, ~${fmt(s.payloadBytesAvg)} B`,
  );
  line('  storing them (not a figure): s / events/s', `${fmt(s.elapsedMs / 1000, 1)} / ${fmt(s.eventsPerSec)}`);
  const t = p.throughput;
  line(`  events/s (${fmt(t.events)} events)`, fmt(t.eventsPerSec));
  line('  elapsed, first publish → all decided (s)', fmt(t.elapsedMs / 1000, 2));
  line('  publishing, first publish → last PubAck (s)', fmt(t.publishMs / 1000, 2));
  line('  events', counts(t.mix));
  line('  outcomes', counts(p.outcomes));
  const o = p.overlaps;
  const pairs = (c: { duplicatePairs: number; overlapPairs: number; storedPairs: number }) =>
    `${fmt(c.duplicatePairs)} / ${fmt(c.overlapPairs)} / ${fmt(c.storedPairs)}`;
  line('  pairs DUPLICATE / OVERLAP / stored, stored → end', `${pairs(s.overlaps)} → ${pairs(o)}`);
  line(
    '  clusters (records, largest), stored → end',
    `${fmt(s.overlaps.clusters)} (${fmt(s.overlaps.clusteredRecords)}, ${s.overlaps.largestCluster}) → ` +
      `${fmt(o.clusters)} (${fmt(o.clusteredRecords)}, ${o.largestCluster})`,
  );
  line(
    '  overlap flagged / cleared / rollup.updated events',
    `${fmt(o.flaggedEvents)} / ${fmt(o.clearedEvents)} / ${fmt(o.rollupEvents)}`,
  );
  line(
    '  re-reports live: DUPLICATE / OVERLAP / neither',
    `${fmt(o.genuine.pairs)}: ${fmt(o.genuine.duplicate)} / ${fmt(o.genuine.overlap)} / ${fmt(o.genuine.neither)}`,
  );
  const q = p.rollups;
  line(
    '  GET /rollups while consuming: n / p50 / p99 / max (ms)',
    `${fmt(q.measured)} / ${fmt(q.p50Ms, 1)} / ${fmt(q.p99Ms, 1)} / ${fmt(q.maxMs, 1)}`,
  );
  for (const [name, v] of Object.entries(q.byRequest)) {
    line(`    ${name}`, `${fmt(v.measured)} / ${fmt(v.p50Ms, 1)} / ${fmt(v.p99Ms, 1)} / ${fmt(v.maxMs, 1)}`);
  }
  line('    failed', fmt(q.failed));
  line(
    '  GET /rollups idle, before: n / p50 / p99 / max (ms)',
    `${fmt(q.idle.measured)} / ${fmt(q.idle.p50Ms, 1)} / ${fmt(q.idle.p99Ms, 1)} / ${fmt(q.idle.maxMs, 1)}`,
  );
  line('  peak RSS, platform (MiB)', fmt(p.peakRssMiB, 1));
  line('  machine busy (% of all cores)', fmt(p.cpu.machineBusyPct));
  line(
    '  CPU s',
    Object.entries(p.cpu.cpuSeconds)
      .map(([k, v]) => `${k} ${fmt(v, 2)}`)
      .join(', '),
  );
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}   ${value}`.trimEnd()).join('\n');
}
