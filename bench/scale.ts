import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { jetstream, jetstreamManager, JetStreamApiError, JetStreamClient } from '@nats-io/jetstream';
import { CloudEvent, InitiativeSnapshot, JetStreamNames } from '@ctp/contracts';
import { DEFAULT_TOPOLOGY, ensureStreams } from '@ctp/messaging';
import { Client } from 'pg';
import { fingerprintOfCandidate, toMatchCandidate } from '../apps/platform/src/overlaps/domain/match-candidate';
import { PLATFORM_CONSUMERS } from '../apps/platform/src/platform.module';
import { registryColumnsOf } from '../apps/platform/src/registry/domain/registry-record';
import { TestDatabase } from '../test/support/databases';
import { tokenFor } from '../test/support/auth';
import { freePort } from '../test/support/nats-server';
import { ServiceProcess } from '../test/support/services';
import { Budget, renderBudgets, scaleBudgets } from './budgets';
import { connectPg, latencyStats, peakRssMiB, waitForCount, withTimeout } from './common';
import { BenchContext } from './context';
import { generatePlatformWorkload, PlatformEvent } from './platform-payloads';
import { ProbeRequest, RollupProbe, RollupSample } from './rollup-probe';

/*
 * BENCH_PROFILE=scale (not in CI): the platform's cost curve as its registry grows. For each size in
 * BENCH_SCALE_SIZES (default 10000,50000,200000): a fresh database migrated by the platform, then the registry stored
 * straight into it with bulk SQL (registry_initiatives, registry_versions, rollup_facts and registry_block_records,
 * derived with the platform's own functions — no events: storing 200,000 through the consumer would take longer than
 * the measurement), the platform started on it (start-up timed: it loads the blocking index), then
 * BENCH_SCALE_EVENTS (default 5,000) events (updates, new records, withdrawals, re-sends of platform-payloads.ts)
 * published as fast as JetStream takes them and timed until all are decided and detection has caught up, with
 * GET /rollups and GET /overlaps asked in turn every 50 ms meanwhile. Then duplicate detection alone: BENCH_SCALE_DETECT
 * (default 1,000) stored records queued for detection, timed until the queue is empty (ms per record). The stored
 * records were never compared with each other (no pairs among them): detection compares each changed record with the
 * stored ones of its blocks, which is the cost that grows with the registry. The stored records' dates span more
 * years as the registry grows (seedSpanYears; BENCH_SCALE_SEED=crammed: every size over 2025–2027).
 *
 * Not measured (yet): `platform:rebuild` and a full reconciliation at each size. Both replay or re-send the sources'
 * events, so they need the stream (or the sources) to hold every stored record — the bulk seeding here writes only
 * the read model. Their rows print "not measured".
 */

const DECIDED_SQL = `SELECT ((SELECT count(*) FROM inbox_events WHERE outcome IS NOT NULL)
                           - (SELECT count(*) FROM detection_queue))::int AS n`;
const QUEUED_SQL = `SELECT (-(SELECT count(*) FROM detection_queue))::int AS n`;
const SEED_CHUNK = 2000;

/**
 * Records a year in the seeded registry (BENCH_SCALE_SEED=history, the default): the platform part's workload, 10,000
 * records over 2025–2027. A registry grows by its history: a larger one spans more years at the same yearly activity —
 * 50,000 records over 15 years — up to MAX_SPAN_YEARS, the most the contract allows (dates from 1990): 200,000 records
 * over 1990–2027, 1.6 times the yearly activity of the smaller ones. BENCH_SCALE_SEED=crammed puts every size in
 * 2025–2027 (the curve of 2026-12-03): 200,000 records in three years is twenty times the activity of 10,000 in the
 * same countries and months, so each record's candidates grow with the registry whatever blocking does.
 */
const RECORDS_PER_YEAR = 10_000 / 3;
/** 1990-01-10 to 2027-12-31 (the contract takes dates from 1990-01-01). */
const MAX_SPAN_YEARS = 38;

/** The years a seeded registry of `records` spans. */
export function seedSpanYears(records: number, mode = process.env.BENCH_SCALE_SEED || 'history'): number {
  if (mode === 'crammed') return 3;
  if (mode !== 'history') throw new Error(`BENCH_SCALE_SEED: history or crammed, not ${mode}`);
  return Math.min(MAX_SPAN_YEARS, Math.max(3, Math.round((records / RECORDS_PER_YEAR) * 10) / 10));
}

const SCALE_REQUESTS: readonly ProbeRequest[] = [
  { name: 'GET /rollups', path: '/rollups?groupBy=region,primaryActionStream,status' },
  { name: 'GET /overlaps', path: '/overlaps?limit=50' },
];

export interface ScalePoint {
  records: number;
  /** The years the stored records' dates span (seedSpanYears). */
  spanYears: number;
  seedMs: number;
  startupMs: number;
  events: number;
  eventsPerSec: number;
  detectMsPerRecord: number;
  detectRecords: number;
  rollupsP99Ms: number;
  overlapsP99Ms: number;
  probeFailed: number;
  peakRssMiB: number | null;
  rebuildMs: number | null;
  reconciliationMs: number | null;
  tableMiB: number;
}

export interface ScaleResult {
  points: ScalePoint[];
  budgets: Budget[];
}

/** The stored registry, written in chunks with the same derivations as the consumer (RegistryRepository.apply). */
async function seedRegistry(pg: Client, seed: PlatformEvent[]): Promise<void> {
  for (let i = 0; i < seed.length; i += SEED_CHUNK) {
    const events = seed.slice(i, i + SEED_CHUNK).map((e) => JSON.parse(e.payload) as CloudEvent<InitiativeSnapshot>);
    const rows = events.map((ev) => {
      const s = ev.data;
      const c = registryColumnsOf(s);
      const candidate = toMatchCandidate(s, s.lastUpdatedAt);
      return {
        row: {
          initiative_id: s.initiativeId,
          source: ev.source,
          version: s.version,
          snapshot: s,
          reported_at: s.lastUpdatedAt,
          event_id: ev.id,
          event_type: ev.type,
          reporter: c.reporter,
          reporter_type: c.reporterType,
          region: c.region,
          kind: c.kind,
          status: c.status,
          primary_stream: c.primaryStream,
          secondary_streams: c.secondaryStreams,
          countries: c.countries,
          capabilities: c.capabilities,
          start_date: c.startDate,
          end_date: c.endDate,
          linked_ids: c.linkedIds,
          match_fingerprint: fingerprintOfCandidate(candidate),
          restricted: c.restricted,
          search_text: c.searchText,
        },
        candidate,
      };
    });
    await pg.query('BEGIN');
    await pg.query(
      `INSERT INTO registry_initiatives
         (initiative_id, source, version, withdrawn, snapshot, first_reported_at, last_reported_at, last_event_id,
          reporter, reporter_type, region, kind, status, primary_stream, secondary_streams, countries, capabilities,
          start_date, end_date, linked_ids, match_fingerprint, restricted, search_text)
       SELECT x.initiative_id, x.source, x.version, false, x.snapshot, x.reported_at, x.reported_at, x.event_id,
              x.reporter, x.reporter_type, x.region, x.kind, x.status, x.primary_stream,
              ARRAY(SELECT jsonb_array_elements_text(x.secondary_streams)),
              ARRAY(SELECT jsonb_array_elements_text(x.countries)),
              ARRAY(SELECT jsonb_array_elements_text(x.capabilities)),
              x.start_date, x.end_date,
              ARRAY(SELECT jsonb_array_elements_text(x.linked_ids)),
              x.match_fingerprint, x.restricted, x.search_text
         FROM jsonb_to_recordset($1::jsonb) AS x(
           initiative_id text, source text, version int, snapshot jsonb, reported_at timestamptz,
           event_id text, reporter text, reporter_type text, region text, kind text, status text, primary_stream text,
           secondary_streams jsonb, countries jsonb, capabilities jsonb, start_date date, end_date date, linked_ids jsonb,
           match_fingerprint text, restricted bool, search_text text)`,
      [JSON.stringify(rows.map((r) => r.row))],
    );
    await pg.query(
      `INSERT INTO registry_versions (initiative_id, version, source, event_id, event_type, reported_at)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
      [
        rows.map((r) => r.row.initiative_id),
        rows.map((r) => r.row.version),
        rows.map((r) => r.row.source),
        rows.map((r) => r.row.event_id),
        rows.map((r) => r.row.event_type),
        rows.map((r) => r.row.reported_at),
      ],
    );
    // The blocking rows detection keeps (one per live record with a primary stream, dates and countries), lists
    // sorted by code point and without repeats as the worker writes them.
    const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();
    const blocks = rows
      .map((r) => r.candidate)
      .filter((c) => c.primaryStream && c.start && c.end && c.countries.length > 0);
    await pg.query(
      `INSERT INTO registry_block_records
         (initiative_id, reporter, primary_stream, secondary_streams, countries, start_date, end_date)
       SELECT x.i, x.r, x.p, string_to_array(x.s, ','), string_to_array(x.c, ','), x.a, x.b
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[])
              AS x(i, r, p, s, c, a, b)`,
      [
        blocks.map((c) => c.initiativeId),
        blocks.map((c) => c.reporterRef),
        blocks.map((c) => c.primaryStream),
        blocks.map((c) => sorted(c.secondaryStreams).join(',')),
        blocks.map((c) => sorted(c.countries).join(',')),
        blocks.map((c) => c.start),
        blocks.map((c) => c.end),
      ],
    );
    await pg.query('COMMIT');
  }
  await pg.query(
    `INSERT INTO rollup_facts (initiative_id, region, primary_stream, status, kind, capabilities, countries,
                               restricted, reporter_type, first_reported_at)
     SELECT initiative_id, region, primary_stream, status, kind, capabilities, countries,
            restricted, reporter_type, first_reported_at
       FROM registry_initiatives WHERE NOT withdrawn`,
  );
}

async function publishAll(js: JetStreamClient, events: PlatformEvent[], window = 1000): Promise<void> {
  for (let i = 0; i < events.length; i += window) {
    await Promise.all(events.slice(i, i + window).map((e) => js.publish(e.subject, e.payload, { msgID: e.id })));
  }
}

function p99Of(samples: RollupSample[], request: number): number {
  return latencyStats(samples.filter((s) => s.ok && s.request === request).map((s) => s.ms)).p99Ms;
}

async function measureSize(ctx: BenchContext, records: number, events: number, detect: number): Promise<ScalePoint> {
  const { config, nats, cleanup, log } = ctx;
  const spanYears = seedSpanYears(records);
  log(`scale ${records}: generating the registry (dates over ${spanYears} years) and ${events} events…`);
  const workload = generatePlatformWorkload(records, events, Date.now(), undefined, spanYears);
  const db = TestDatabase.fresh(`bench_scale_${records}`);
  cleanup.add(`drop database ${db.name}`, () => db.drop());

  const nc = await nats.connect('bench-scale');
  cleanup.add('close the scale part’s NATS connection', () => nc.drain());
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  await ensureStreams(jsm, DEFAULT_TOPOLOGY);
  for (const { durable } of PLATFORM_CONSUMERS) {
    try {
      await jsm.consumers.delete(JetStreamNames.eventsStream, durable);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && (err.code === 10014 || err.status === 404))) throw err;
    }
  }
  await jsm.streams.purge(JetStreamNames.eventsStream);
  await nats.provision();

  const platform = new ServiceProcess(
    'platform',
    {
      ...nats.env('platform'),
      LOG_LEVEL: config.logLevel,
      PORT: String(await freePort()),
      DATABASE_URL: db.url,
      NODE_OPTIONS: `--require ${join(__dirname, 'loopback-preload.js')}`,
    },
    `platform-scale-${records}`,
    config.logDir,
  );
  const stop = async () => {
    try {
      await withTimeout(`platform-scale-${records} to stop`, 30_000, platform.stop());
    } catch {
      await platform.kill('SIGKILL');
    }
  };
  cleanup.add(`stop the platform (scale ${records})`, stop, 40_000);

  // The schema: the platform migrates its fresh database at start; it is stopped again before the registry is stored.
  await platform.start(120_000);
  await stop();
  const pg = await connectPg(db.url, 'bench-scale');
  cleanup.add('close the bench connection (scale)', () => pg.end().catch(() => undefined));
  log(`scale ${records}: storing ${records} records with bulk SQL…`);
  const s0 = performance.now();
  await seedRegistry(
    pg,
    workload.seed.filter((e) => e.action === 'new'),
  );
  await pg.query('VACUUM (ANALYZE)');
  const seedMs = performance.now() - s0;
  const [{ mib }] = (await pg.query(`SELECT round(pg_database_size(current_database()) / 1048576.0)::int AS mib`))
    .rows as { mib: number }[];

  const t0 = performance.now();
  await platform.start(300_000);
  const startupMs = performance.now() - t0;
  log(
    `scale ${records}: stored in ${(seedMs / 1000).toFixed(1)} s; platform started in ${(startupMs / 1000).toFixed(1)} s`,
  );

  const probe = await RollupProbe.start(
    platform.port,
    config.rollupEveryMs,
    `Bearer ${await tokenFor('IP-GS-CTP', 'registry:read-restricted', { ttlSec: 86_400 })}`,
    SCALE_REQUESTS,
  );
  cleanup.add('stop the probe (scale)', () => probe.terminate());
  const js = jetstream(nc);
  const probing = probe.begin();
  const m0 = performance.now();
  await publishAll(js, workload.measured);
  // A detection run over a large registry can hold the count still for longer than the usual 30 s stall limit.
  const done = await waitForCount(`scale ${records}: measured events decided`, pg, DECIDED_SQL, events, {
    everyMs: config.pollMs,
    timeoutMs: 3_600_000,
    stallMs: 600_000,
  });
  probe.stop();
  const samples = await probing;
  const eventsPerSec = Math.round((events * 1000) / (done.reachedAt - m0));

  // Detection alone: stored records queued as if they had changed, timed until the queue is empty.
  const d0 = performance.now();
  await pg.query(
    `INSERT INTO detection_queue (initiative_id)
     SELECT initiative_id FROM registry_initiatives WHERE NOT withdrawn ORDER BY md5(initiative_id) LIMIT $1`,
    [detect],
  );
  const detected = await waitForCount(`scale ${records}: detection of ${detect} stored records`, pg, QUEUED_SQL, 0, {
    everyMs: 20,
    timeoutMs: 600_000,
    stallMs: 600_000,
  });
  const detectMsPerRecord = Math.round(((detected.reachedAt - d0) / detect) * 100) / 100;

  const peak = peakRssMiB(platform.pid) ?? null;
  await probe.terminate();
  await stop();
  await pg.end().catch(() => undefined);
  await db.drop();
  return {
    records,
    spanYears,
    seedMs: Math.round(seedMs),
    startupMs: Math.round(startupMs),
    events,
    eventsPerSec,
    detectMsPerRecord,
    detectRecords: detect,
    rollupsP99Ms: p99Of(samples, 0),
    overlapsP99Ms: p99Of(samples, 1),
    probeFailed: samples.filter((s) => !s.ok).length,
    peakRssMiB: peak,
    rebuildMs: null,
    reconciliationMs: null,
    tableMiB: mib,
  };
}

export async function runScale(
  ctx: BenchContext,
  sizes: number[],
  events: number,
  detect: number,
): Promise<ScaleResult> {
  const points: ScalePoint[] = [];
  for (const size of sizes) {
    const p = await measureSize(ctx, size, events, Math.min(detect, size));
    ctx.log(
      `scale ${size}: ${p.eventsPerSec} events/s, detection ${p.detectMsPerRecord} ms/record, ` +
        `rollups p99 ${p.rollupsP99Ms} ms, overlaps p99 ${p.overlapsP99Ms} ms, RSS ${p.peakRssMiB} MiB`,
    );
    points.push(p);
  }
  return { points, budgets: scaleBudgets(points) };
}

const f = (v: number | null, digits = 0) =>
  v === null || Number.isNaN(v) ? 'not measured' : v.toLocaleString('en-US', { maximumFractionDigits: digits });

export function renderScale(r: ScaleResult): string {
  const rows: [string, (p: ScalePoint) => string][] = [
    ['records stored', (p) => f(p.records)],
    ['years their dates span', (p) => f(p.spanYears, 1)],
    ['database size (MiB)', (p) => f(p.tableMiB)],
    ['storing them, bulk SQL (s, not a figure)', (p) => f(p.seedMs / 1000, 1)],
    ['platform start-up (s)', (p) => f(p.startupMs / 1000, 1)],
    ['events/s through the full consumer', (p) => f(p.eventsPerSec)],
    ['detection, ms per changed record', (p) => f(p.detectMsPerRecord, 2)],
    ['GET /rollups p99 while consuming (ms)', (p) => f(p.rollupsP99Ms, 1)],
    ['GET /overlaps p99 while consuming (ms)', (p) => f(p.overlapsP99Ms, 1)],
    ['probe requests failed', (p) => f(p.probeFailed)],
    ['platform peak RSS (MiB)', (p) => f(p.peakRssMiB)],
    ['platform:rebuild (s)', (p) => f(p.rebuildMs === null ? null : p.rebuildMs / 1000, 1)],
    ['full reconciliation (s)', (p) => f(p.reconciliationMs === null ? null : p.reconciliationMs / 1000, 1)],
  ];
  const table = rows.map(([label, cell]) => [label, ...r.points.map(cell)]);
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const lines = table.map((row) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   '),
  );
  return [
    ...lines,
    '',
    renderBudgets('Targets (the largest registry against the smallest, and two limits)', r.budgets),
  ].join('\n');
}
