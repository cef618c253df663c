import { BenchConfig, PipelineResult, PlatformResult } from './context';

export const BUDGETS = {
  throughputShareOfFloor: 0.5,
  p99Ms: 100,
  /** The platform part: events/s through the full consumer with the registry stored (issue: "≥ 1,500 events/s"). */
  platformEventsPerSec: 1500,
  /** The platform part: GET /rollups p99 while it consumes. */
  rollupP99Ms: 50,
} as const;

export interface BenchReport {
  bench: 'ctp-hub-to-platform';
  startedAt: string;
  revision: { commit: string; changedFiles: number };
  machine: { cpus: number; node: string; natsServer: string; postgres: string; backgroundBusyPct: number };
  config: Omit<BenchConfig, 'logDir'> & { payloadBytesAvg: number; snapshotBytesAvg: number };
  ours: PipelineResult;
  floor: PipelineResult;
  platform: PlatformResult;
  ratio: { throughputOursOverFloor: number; p99OursOverFloor: number };
  budgets: {
    throughput: { required: string; actual: number; pass: boolean };
    p99: { required: string; actualMs: number; pass: boolean };
    platformThroughput: { required: string; actual: number; pass: boolean };
    rollupP99: { required: string; actualMs: number; pass: boolean };
  };
}

export function evaluate(base: Omit<BenchReport, 'ratio' | 'budgets'>): BenchReport {
  const share = base.ours.throughput.eventsPerSec / base.floor.throughput.eventsPerSec;
  const round3 = (v: number) => Math.round(v * 1000) / 1000;
  return {
    ...base,
    ratio: {
      throughputOursOverFloor: round3(share),
      p99OursOverFloor: round3(base.ours.paced.p99Ms / base.floor.paced.p99Ms),
    },
    budgets: {
      throughput: {
        required: `ours >= ${BUDGETS.throughputShareOfFloor * 100}% of the floor`,
        actual: round3(share),
        pass: share >= BUDGETS.throughputShareOfFloor,
      },
      p99: {
        required: `p99 <= ${BUDGETS.p99Ms} ms at ${base.config.pacedRate} events/s`,
        actualMs: base.ours.paced.p99Ms,
        pass: base.ours.paced.p99Ms <= BUDGETS.p99Ms && base.ours.paced.measured > 0,
      },
      platformThroughput: {
        required: `platform >= ${BUDGETS.platformEventsPerSec} events/s with ${base.platform.seed.initiatives} initiatives stored`,
        actual: base.platform.throughput.eventsPerSec,
        pass: base.platform.throughput.eventsPerSec >= BUDGETS.platformEventsPerSec,
      },
      rollupP99: {
        required: `GET /rollups p99 <= ${BUDGETS.rollupP99Ms} ms while consuming`,
        actualMs: base.platform.rollups.p99Ms,
        pass:
          base.platform.rollups.p99Ms <= BUDGETS.rollupP99Ms &&
          base.platform.rollups.measured > 0 &&
          base.platform.rollups.failed === 0,
      },
    },
  };
}

const fmt = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits });

export function renderTable(r: BenchReport): string {
  const o = r.ours;
  const f = r.floor;
  const rows: [string, string, string, string][] = [];
  const ratio = (a: number, b: number) => (b > 0 ? `${fmt((a / b) * 100, 1)}%` : '—');
  const line = (label: string, a: string, b: string, c = '') => rows.push([label, a, b, c]);
  line('End-to-end throughput', '', '');
  line(
    `  events/s (${fmt(o.throughput.events)} events)`,
    fmt(o.throughput.eventsPerSec),
    fmt(f.throughput.eventsPerSec),
    ratio(o.throughput.eventsPerSec, f.throughput.eventsPerSec),
  );
  line(
    '  elapsed, first commit → all decided (s)',
    fmt(o.throughput.elapsedMs / 1000, 2),
    fmt(f.throughput.elapsedMs / 1000, 2),
  );
  line(`Latency, paced ${r.config.pacedRate}/s for ${r.config.pacedSeconds} s`, '', '');
  line('  achieved send rate (events/s)', fmt(o.paced.sendRatePerSec), fmt(f.paced.sendRatePerSec));
  line(
    '  sent ok / failed',
    `${fmt(o.paced.ok)} / ${fmt(o.paced.failed)}`,
    `${fmt(f.paced.ok)} / ${fmt(f.paced.failed)}`,
  );
  line('  p50 (ms)', fmt(o.paced.p50Ms, 1), fmt(f.paced.p50Ms, 1), ratio(o.paced.p50Ms, f.paced.p50Ms));
  line('  p99 (ms)', fmt(o.paced.p99Ms, 1), fmt(f.paced.p99Ms, 1), ratio(o.paced.p99Ms, f.paced.p99Ms));
  line('  max (ms)', fmt(o.paced.maxMs, 1), fmt(f.paced.maxMs, 1));
  line('  mean (ms)', fmt(o.paced.meanMs, 1), fmt(f.paced.meanMs, 1));
  const st = (x: { p50Ms: number; p99Ms: number } | undefined) => (x ? `${fmt(x.p50Ms, 1)} / ${fmt(x.p99Ms, 1)}` : '—');
  line(
    '  p50 / p99 (ms), created → marked sent (ours: marks batched every 100 ms)',
    st(o.paced.stages.createdToSent),
    st(f.paced.stages.createdToSent),
  );
  line('    created → consumer tx start', st(o.paced.stages.createdToReceived), st(f.paced.stages.createdToReceived));
  line('    consumer tx start → decided', st(o.paced.stages.receivedToDecided), st(f.paced.stages.receivedToDecided));
  line(
    '  measured (undecided)',
    `${fmt(o.paced.measured)} (${o.paced.undecided})`,
    `${fmt(f.paced.measured)} (${f.paced.undecided})`,
  );
  line('Peak RSS, VmHWM (MiB)', '', '');
  const names = [...new Set([...Object.keys(o.peakRssMiB), ...Object.keys(f.peakRssMiB)])];
  for (const name of names) line(`  ${name}`, fmt(o.peakRssMiB[name], 1), fmt(f.peakRssMiB[name], 1));
  const sum = (m: Record<string, number | null>) => Object.values(m).reduce<number>((a, b) => a + (b ?? 0), 0);
  line('  total', fmt(sum(o.peakRssMiB), 1), fmt(sum(f.peakRssMiB), 1));

  line('CPU, throughput part / paced part', '', '');
  line(
    '  machine busy (% of all cores)',
    `${fmt(o.cpu.throughput.machineBusyPct)} / ${fmt(o.cpu.paced.machineBusyPct)}`,
    `${fmt(f.cpu.throughput.machineBusyPct)} / ${fmt(f.cpu.paced.machineBusyPct)}`,
  );
  const cpuNames = [
    ...new Set([...Object.keys(o.cpu.throughput.cpuSeconds), ...Object.keys(f.cpu.throughput.cpuSeconds)]),
  ];
  const cpuCell = (r: PipelineResult, name: string) =>
    name in r.cpu.throughput.cpuSeconds
      ? `${fmt(r.cpu.throughput.cpuSeconds[name], 2)} / ${fmt(r.cpu.paced.cpuSeconds[name], 2)}`
      : '—';
  for (const name of cpuNames) line(`  ${name} (CPU s)`, cpuCell(o, name), cpuCell(f, name));

  const head: [string, string, string, string] = ['', 'ours', 'floor', 'ours/floor'];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[head, ...rows].map((row) => row[i].length)));
  const render = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ');
  const out = [render(head), '-'.repeat(widths.reduce((a, b) => a + b + 3, -3)), ...rows.map(render)];
  const b = r.budgets;
  out.push('', renderPlatform(r.platform));
  out.push('');
  out.push('Budgets');
  out.push(
    `  end-to-end throughput >= 50% of the floor: ${fmt(b.throughput.actual * 100, 1)}%  ${b.throughput.pass ? 'PASS' : 'FAIL'}`,
  );
  out.push(
    `  p99 <= ${BUDGETS.p99Ms} ms at ${r.config.pacedRate} events/s: ${fmt(b.p99.actualMs, 1)} ms  ${b.p99.pass ? 'PASS' : 'FAIL'}`,
  );
  out.push(
    `  platform throughput >= ${fmt(BUDGETS.platformEventsPerSec)} events/s: ${fmt(b.platformThroughput.actual)} events/s  ${b.platformThroughput.pass ? 'PASS' : 'FAIL'}`,
  );
  out.push(
    `  GET /rollups p99 <= ${BUDGETS.rollupP99Ms} ms while consuming: ${fmt(b.rollupP99.actualMs, 1)} ms  ${b.rollupP99.pass ? 'PASS' : 'FAIL'}`,
  );
  const notes = [
    ...o.notes.map((n) => `ours: ${n}`),
    ...f.notes.map((n) => `floor: ${n}`),
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
