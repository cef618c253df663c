import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  JetStreamClient,
  JetStreamManager,
} from '@nats-io/jetstream';
import { CloudEvent, EventSources, HUB_REGIONS, InitiativeSnapshot, JetStreamNames } from '@ctp/contracts';
import {
  ConsumerBinding,
  consumerConfig,
  DEFAULT_SERVER_OPTIONS,
  DEFAULT_TOPOLOGY,
  ensureStreams,
} from '@ctp/messaging';
import { Client } from 'pg';
import { LIAISON_CONSUMERS } from '../apps/partner-liaison/src/liaison-consumers';
import { fingerprintOfCandidate, toMatchCandidate } from '../apps/platform/src/overlaps/domain/match-candidate';
import { PLATFORM_CONSUMERS } from '../apps/platform/src/platform.module';
import { registryColumnsOf } from '../apps/platform/src/registry/domain/registry-record';
import { TestDatabase } from '../test/support/databases';
import { authEnv, tokenFor } from '../test/support/auth';
import { freePort } from '../test/support/nats-server';
import { ROOT, ServiceProcess } from '../test/support/services';
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
 * Before anything consumes the fresh stream, the stored records' events (the same CloudEvents, ids and subjects the
 * bulk seeding stores: each record's `reported` event, on its hub's or partner's subject) are published into it, and
 * the platform's durable consumers are created to deliver from the next message (its database holds those records
 * already). So the stream holds every stored record, then the measured events, and after the measured part:
 *
 * - A full reconciliation, the platform running: the real sources — the four hubs and partner-liaison (one source per
 *   partner), processes of dist/ on databases holding what the platform holds of each (copied from its registry) —
 *   started with RECONCILE_INTERVAL_MS=1000, each digesting all its records and publishing the digest through its
 *   outbox; the platform compares each with all its rows of that source and records the verdict (sync_sources, what
 *   GET /sync reports). Timed from starting the sources to the last source checked; checked: every source matched,
 *   their digests count the platform's records, no repair ran. This is the round every source makes at each change
 *   and heartbeat; a repair (a platform that lacks records asks the sources to re-publish them) is not measured here.
 * - `platform:rebuild`, the live platform stopped: `node dist/scripts/platform-rebuild.js --keep` as an operator runs
 *   it (the admin identity, the live DATABASE_URL), timed from its start to its exit, its phases (start-up, replay,
 *   duplicate detection of every replayed record) told apart by its output; stopped after BENCH_SCALE_REBUILD_CAP
 *   seconds (default 900). Checked: the rebuilt database holds the live records (count, ids, versions, withdrawals,
 *   snapshots: an md5 over them). Its own verdict says DIFFERS (exit 1) because the pairs differ: the live registry
 *   was stored without pairs and detected only in part, the rebuild detects every record.
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
  /** `platform:rebuild` as an operator runs it, from its start to its exit; null when not finished (rebuild.capped). */
  rebuildMs: number | null;
  rebuild: RebuildMeasure | null;
  /** From starting the sources on their databases to the last of them found in agreement; null when not measured. */
  reconciliationMs: number | null;
  reconciliation: ReconciliationMeasure | null;
  tableMiB: number;
}

/** What `platform:rebuild` did at one size, by phase, and the check of what it rebuilt. */
export interface RebuildMeasure {
  /** Events in the stream it replays (the stored records' and the measured part's). */
  streamEvents: number;
  /** Start-up: from the process's start to its "rebuild started" line (Nest module, migrations, copies). */
  startMs: number | null;
  /** The replay: "rebuild started" to the first line of duplicate detection (every event decided). */
  replayMs: number | null;
  /** Duplicate detection of every replayed record, then the digests: to the result line. */
  detectionMs: number | null;
  /** Not finished within the cap (BENCH_SCALE_REBUILD_CAP, seconds): stopped; the phases it finished are kept. */
  capped: boolean;
  capMs: number;
  exitCode: number | null;
  /** Records in the rebuilt database, and in the live one. */
  rebuiltRecords: number | null;
  liveRecords: number;
  /** The rebuilt records are the live ones: count, ids, versions, withdrawals and snapshots (an md5 over them). */
  ok: boolean;
  check: string;
}

/** One round of reconciliation with every source, and its check. */
export interface ReconciliationMeasure {
  sources: number;
  /** From starting the source processes to all of them ready (included in reconciliationMs). */
  sourcesStartMs: number;
  /** The slowest digest's way from the source (its generatedAt) to the platform's check (checked_at). */
  slowestDigestToCheckMs: number;
  /** Records the sources' digests count together, and the platform's registry. */
  sourceRecords: number;
  liveRecords: number;
  ok: boolean;
  check: string;
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

async function deleteConsumer(jsm: JetStreamManager, durable: string): Promise<void> {
  try {
    await jsm.consumers.delete(JetStreamNames.eventsStream, durable);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && (err.code === 10014 || err.status === 404))) throw err;
  }
}

/**
 * Creates (again) the durable consumers `bindings` delivering from the stream's next message, as the services would
 * create them (`consumerConfig`) but not from the first: what the stream holds now was stored in their databases
 * already (the bulk seeding), and a service finds its consumer existing and keeps its position.
 */
async function consumersFromNextMessage(jsm: JetStreamManager, bindings: readonly ConsumerBinding[]): Promise<number> {
  const stream = JetStreamNames.eventsStream;
  const { state } = await jsm.streams.info(stream);
  for (const b of bindings) {
    await deleteConsumer(jsm, b.durable);
    await jsm.consumers.add(stream, {
      ...consumerConfig({
        stream,
        durable: b.durable,
        filterSubject: b.filterSubject,
        ackWaitMs: DEFAULT_SERVER_OPTIONS.ackWaitMs,
        maxAckPending: DEFAULT_SERVER_OPTIONS.maxAckPending,
      }),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: state.last_seq + 1,
    });
  }
  return state.last_seq;
}

/** The records of a read model: count, and an md5 over (id, version, withdrawn, snapshot) in id order. */
async function recordsDigest(url: string): Promise<{ n: number; hash: string }> {
  const c = await connectPg(url, 'bench-scale-check');
  try {
    const [row] = (
      await c.query(
        `SELECT count(*)::int AS n,
                md5(coalesce(string_agg(concat_ws('|', initiative_id, version, withdrawn, md5(snapshot::text)), ','
                                        ORDER BY initiative_id), '')) AS hash
           FROM registry_initiatives`,
      )
    ).rows as { n: number; hash: string }[];
    return row;
  } finally {
    await c.end();
  }
}

/**
 * `platform:rebuild` as an operator runs it (`node dist/scripts/platform-rebuild.js`, the admin NATS identity, the
 * live platform's DATABASE_URL), the live platform stopped, into a database of its own kept afterwards (`--keep`) for
 * the check, then dropped. Its phases are told apart by what it writes: "rebuild started" (stdout) ends its start-up,
 * the first line of "duplicate detection in the rebuild" (stderr) ends the replay, the result line ends it all. Its own
 * verdict compares records and pairs with the live read model, and says DIFFERS here (exit 1): the live registry was
 * stored without its pairs and detected only in part, the rebuild detects every record. So the check is of the records
 * alone: the same count, ids, versions, withdrawals and snapshots as the live read model.
 */
async function measureRebuild(
  ctx: BenchContext,
  live: TestDatabase,
  capMs: number,
): Promise<{ totalMs: number | null; measure: RebuildMeasure }> {
  const { nats, cleanup, config, log } = ctx;
  const rebuiltDb = TestDatabase.named(`${live.name}_rebuild`);
  const target = rebuiltDb.name;
  cleanup.add(`drop database ${target}`, () => rebuiltDb.drop());
  const liveRecords = await recordsDigest(live.url);
  const logFile = join(config.logDir, `platform-rebuild-${target}.log`);
  const env = {
    PATH: process.env.PATH ?? '',
    ...(await authEnv()),
    ...nats.env('admin'),
    DATABASE_URL: live.url,
    LOG_LEVEL: 'warn',
  };
  const marks: { started?: number; replayed?: number; done?: number } = {};
  let streamEvents = 0;
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist/scripts/platform-rebuild.js'),
      '--database',
      target,
      '--keep',
      '--timeout',
      `${Math.ceil(capMs / 1000)}s`,
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const now = performance.now();
    appendFileSync(logFile, `${line}\n`);
    let msg: { msg?: string; eventsToReplay?: number } = {};
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    if (msg.msg === 'rebuild started') {
      marks.started = now;
      streamEvents = msg.eventsToReplay ?? 0;
    }
    if (msg.msg?.startsWith('rebuild matches') || msg.msg?.startsWith('rebuild DIFFERS')) marks.done = now;
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    appendFileSync(logFile, `${line}\n`);
    if (marks.replayed === undefined && line.startsWith('duplicate detection in the rebuild'))
      marks.replayed = performance.now();
    if (/^(replaying|duplicate detection)/.test(line)) log(`  rebuild: ${line}`);
  });
  let capped = false;
  const cap = setTimeout(() => {
    capped = true;
    log(`  rebuild: not finished after ${capMs / 1000} s: stopped (BENCH_SCALE_REBUILD_CAP)`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  }, capMs);
  const exitCode = await exited;
  clearTimeout(cap);
  const ms = performance.now() - t0;
  const span = (a?: number, b?: number) => (a !== undefined && b !== undefined ? Math.round(b - a) : null);
  let rebuilt: { n: number; hash: string } | null = null;
  try {
    rebuilt = await recordsDigest(rebuiltDb.url);
  } catch (err) {
    log(`  rebuild: its database could not be read: ${(err as Error).message}`);
  }
  await rebuiltDb.drop();
  const problems: string[] = [];
  if (marks.replayed === undefined) problems.push('the replay did not finish');
  if (!rebuilt) problems.push('no rebuilt database');
  else {
    if (rebuilt.n !== liveRecords.n) problems.push(`${rebuilt.n} records rebuilt, ${liveRecords.n} live`);
    else if (rebuilt.hash !== liveRecords.hash) problems.push('records differ from the live ones (md5)');
  }
  const finished = marks.done !== undefined && !capped;
  const measure: RebuildMeasure = {
    streamEvents,
    startMs: span(t0, marks.started),
    replayMs: span(marks.started, marks.replayed),
    detectionMs: span(marks.replayed, marks.done),
    capped: !finished,
    capMs,
    exitCode,
    rebuiltRecords: rebuilt?.n ?? null,
    liveRecords: liveRecords.n,
    ok: problems.length === 0,
    check:
      problems.length === 0
        ? `${liveRecords.n} records rebuilt, the live ones (ids, versions, withdrawals, snapshots)${finished ? '' : ', detection unfinished'}`
        : problems.join('; '),
  };
  return { totalMs: finished ? Math.round(ms) : null, measure };
}

/**
 * One full reconciliation, the way the system does it: every source of records — the four hubs and partner-liaison
 * for each of its partners, real processes — digests all its records (count and md5 over id:version:withdrawn) and
 * publishes the digest through its outbox; the platform's consumer compares each with all its rows from that source
 * and records the verdict in `sync_sources` (what GET /sync reports). The sources' databases hold what the platform
 * holds of each (copied from its registry after the measured part: the sources and the platform in agreement, as in a
 * running system), so the round must end with every source matched and nothing to repair. Timed from starting the
 * sources (RECONCILE_INTERVAL_MS=1000: their first digest a second after start) to the last check.
 */
async function measureReconciliation(
  ctx: BenchContext,
  live: Client,
  records: number,
): Promise<{ totalMs: number; measure: ReconciliationMeasure }> {
  const { nats, cleanup, config, log } = ctx;
  const hubDbs = HUB_REGIONS.map((r) => ({ region: r, db: TestDatabase.fresh(`bench_scale_hub_${r}`) }));
  const liaisonDb = TestDatabase.fresh('bench_scale_liaison');
  for (const db of [...hubDbs.map((h) => h.db), liaisonDb]) cleanup.add(`drop database ${db.name}`, () => db.drop());
  const common: Record<string, string> = {
    LOG_LEVEL: config.logLevel,
    NODE_OPTIONS: `--require ${join(__dirname, 'loopback-preload.js')}`,
    // No digest while the schema is made: the interval is set to 1 s before the measured start.
    RECONCILE_INTERVAL_MS: '86400000',
    RECONCILE_HEARTBEAT_MS: '86400000',
  };
  const sources = [
    ...(await Promise.all(
      hubDbs.map(
        async ({ region, db }) =>
          new ServiceProcess(
            'hub',
            {
              ...nats.env(`hub-${region}`),
              ...common,
              HUB_REGION: region,
              PORT: String(await freePort()),
              DATABASE_URL: db.url,
            },
            `hub-${region}-scale-${records}`,
            config.logDir,
          ),
      ),
    )),
    new ServiceProcess(
      'partner-liaison',
      {
        ...nats.env('partner-liaison'),
        ...common,
        PORT: String(await freePort()),
        DATABASE_URL: liaisonDb.url,
      },
      `partner-liaison-scale-${records}`,
      config.logDir,
    ),
  ];
  const stopAll = async () => {
    await Promise.all(
      sources.map(async (s) => {
        try {
          await withTimeout(`${s.name} to stop`, 20_000, s.stop());
        } catch {
          await s.kill('SIGKILL');
        }
      }),
    );
  };
  cleanup.add(`stop the sources (scale ${records})`, stopAll, 30_000);
  // Partner-liaison's consumers read hub and overlap events; what the stream holds already is not theirs to read.
  const nc = await nats.connect('bench-scale-sources');
  try {
    await consumersFromNextMessage(await jetstreamManager(nc, { checkAPI: false }), LIAISON_CONSUMERS);
  } finally {
    await nc.close();
  }
  log(`scale ${records}: reconciliation: making the sources' schemas (four hubs, partner-liaison)…`);
  await Promise.all(sources.map((s) => s.start(120_000)));
  await stopAll();

  // The sources' records: what the platform holds of each, in chunks.
  const partners = (
    await live.query(
      `SELECT DISTINCT source, reporter FROM registry_initiatives WHERE reporter_type = 'PARTNER' ORDER BY source`,
    )
  ).rows as { source: string; reporter: string }[];
  const copy = async (source: string, into: TestDatabase, insert: string, extra: unknown[] = []) => {
    const c = await connectPg(into.url, 'bench-scale-sources');
    try {
      let after = '';
      for (;;) {
        const rows = (
          await live.query(
            `SELECT initiative_id, version, status, withdrawn, snapshot FROM registry_initiatives
              WHERE source = $1 AND initiative_id > $2 ORDER BY initiative_id LIMIT ${SEED_CHUNK * 2}`,
            [source, after],
          )
        ).rows as { initiative_id: string }[];
        if (rows.length === 0) break;
        await c.query(insert, [JSON.stringify(rows), ...extra]);
        after = rows[rows.length - 1].initiative_id;
      }
      await c.query('VACUUM (ANALYZE)');
    } finally {
      await c.end();
    }
  };
  const recordSet = `jsonb_to_recordset($1::jsonb) AS x(initiative_id text, version int, status text, withdrawn bool, snapshot jsonb)`;
  for (const { region, db } of hubDbs) {
    await copy(
      EventSources.hub(region),
      db,
      `INSERT INTO initiatives (initiative_id, version, status, withdrawn, snapshot, primary_stream, countries)
       SELECT x.initiative_id, x.version, x.status, x.withdrawn, x.snapshot, x.snapshot #>> '{actionStreams,primary}',
              ARRAY(SELECT jsonb_array_elements_text(x.snapshot -> 'recipientCountries'))
         FROM ${recordSet}`,
    );
  }
  {
    const c = await connectPg(liaisonDb.url, 'bench-scale-sources');
    try {
      for (const p of partners) {
        const code = p.reporter.replace(/^PT-/, '');
        if (EventSources.partner(code) !== p.source) throw new Error(`partner ${p.reporter}: source ${p.source}?`);
        await c.query(
          `INSERT INTO partners (ref, code, name, acronym, type, regions) VALUES ($1, $2, $2, $2, 'IGO', '{}')`,
          [p.reporter, code],
        );
      }
    } finally {
      await c.end();
    }
  }
  for (const p of partners) {
    await copy(
      p.source,
      liaisonDb,
      `INSERT INTO partner_initiatives (initiative_id, partner_ref, local_id, version, status, withdrawn, snapshot)
       SELECT x.initiative_id, $2, substr(x.initiative_id, length($2) + 2), x.version, x.status, x.withdrawn, x.snapshot
         FROM ${recordSet}`,
      [p.reporter],
    );
  }
  const expected = HUB_REGIONS.length + partners.length;
  const [{ n: liveRecords }] = (await live.query(`SELECT count(*)::int AS n FROM registry_initiatives`)).rows as {
    n: number;
  }[];

  log(`scale ${records}: reconciliation: ${expected} sources holding ${liveRecords} records, started…`);
  for (const s of sources) s.env.RECONCILE_INTERVAL_MS = '1000';
  const [{ at: since }] = (await live.query(`SELECT clock_timestamp() AS at`)).rows as { at: Date }[];
  const t0 = performance.now();
  await Promise.all(sources.map((s) => s.start(120_000)));
  const sourcesStartMs = Math.round(performance.now() - t0);
  const CHECKED_SQL = `SELECT count(*)::int AS n FROM sync_sources WHERE checked_at >= '${since.toISOString()}'`;
  await waitForCount(`scale ${records}: ${expected} sources' digests checked`, live, CHECKED_SQL, expected, {
    everyMs: 50,
    timeoutMs: 600_000,
    stallMs: 600_000,
  });
  const rows = (
    await live.query(
      `SELECT source, matched, (source_digest->>'count')::int AS count, last_repair,
              extract(epoch FROM checked_at - $1::timestamptz) * 1000 AS at_ms,
              extract(epoch FROM checked_at - (source_digest->>'generatedAt')::timestamptz) * 1000 AS transit_ms
         FROM sync_sources WHERE checked_at >= $1`,
      [since],
    )
  ).rows as {
    source: string;
    matched: boolean;
    count: number;
    last_repair: unknown;
    at_ms: number;
    transit_ms: number;
  }[];
  await stopAll();
  for (const { db } of hubDbs) await db.drop();
  await liaisonDb.drop();
  const sourceRecords = rows.reduce((a, r) => a + r.count, 0);
  const problems: string[] = [];
  const disagreeing = rows.filter((r) => !r.matched).map((r) => r.source);
  if (disagreeing.length) problems.push(`not in agreement: ${disagreeing.join(', ')}`);
  if (sourceRecords !== liveRecords)
    problems.push(`the sources count ${sourceRecords} records, the platform ${liveRecords}`);
  if (rows.some((r) => r.last_repair !== null)) problems.push('a repair ran');
  const measure: ReconciliationMeasure = {
    sources: rows.length,
    sourcesStartMs,
    slowestDigestToCheckMs: Math.round(Math.max(...rows.map((r) => Number(r.transit_ms)))),
    sourceRecords,
    liveRecords,
    ok: problems.length === 0,
    check: problems.length ? problems.join('; ') : `${rows.length} sources in agreement, ${sourceRecords} records`,
  };
  return { totalMs: Math.round(Math.max(...rows.map((r) => Number(r.at_ms)))), measure };
}

function p99Of(samples: RollupSample[], request: number): number {
  return latencyStats(samples.filter((s) => s.ok && s.request === request).map((s) => s.ms)).p99Ms;
}

/** BENCH_SCALE_REBUILD_CAP: the longest a rebuild may run before it is stopped (seconds; default 900). */
function rebuildCapMsFromEnv(env = process.env): number {
  const v = env.BENCH_SCALE_REBUILD_CAP;
  const s = v === undefined || v === '' ? 900 : Number(v);
  if (!Number.isInteger(s) || s < 10) throw new Error(`BENCH_SCALE_REBUILD_CAP: whole seconds, at least 10, not ${v}`);
  return s * 1000;
}

async function measureSize(
  ctx: BenchContext,
  records: number,
  events: number,
  detect: number,
  rebuildCapMs: number,
): Promise<ScalePoint> {
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
  // The stored records' events, the same CloudEvents as the bulk seeding stores, in the stream before anything
  // consumes it: platform:rebuild replays them. The live platform's consumers start after them (its database holds
  // them already, by bulk SQL).
  const js = jetstream(nc);
  const stored = workload.seed.filter((e) => e.action === 'new');
  log(`scale ${records}: publishing the ${stored.length} stored records' events into the purged stream…`);
  const p0 = performance.now();
  await publishAll(js, stored);
  const lastStored = await consumersFromNextMessage(jsm, PLATFORM_CONSUMERS);
  log(
    `scale ${records}: published in ${((performance.now() - p0) / 1000).toFixed(1)} s; ` +
      `the platform's consumers start at stream sequence ${lastStored + 1}`,
  );

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
  await seedRegistry(pg, stored);
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

  // A full reconciliation with every source, the platform running (after the peak RSS: not part of it).
  const reconciliation = await measureReconciliation(ctx, pg, records);
  log(
    `scale ${records}: reconciliation in ${(reconciliation.totalMs / 1000).toFixed(1)} s ` +
      `(sources started in ${(reconciliation.measure.sourcesStartMs / 1000).toFixed(1)} s): ${reconciliation.measure.check}`,
  );
  await stop();

  // platform:rebuild of it all, the live platform stopped.
  log(`scale ${records}: platform:rebuild (at most ${rebuildCapMs / 1000} s)…`);
  const rebuild = await measureRebuild(ctx, db, rebuildCapMs);
  log(
    `scale ${records}: rebuild ${rebuild.totalMs === null ? 'not finished' : `${(rebuild.totalMs / 1000).toFixed(1)} s`} ` +
      `(start ${rebuild.measure.startMs} ms, replay ${rebuild.measure.replayMs} ms, detection ${rebuild.measure.detectionMs} ms): ` +
      rebuild.measure.check,
  );
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
    rebuildMs: rebuild.totalMs,
    rebuild: rebuild.measure,
    reconciliationMs: reconciliation.totalMs,
    reconciliation: reconciliation.measure,
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
  const rebuildCapMs = rebuildCapMsFromEnv();
  for (const size of sizes) {
    const p = await measureSize(ctx, size, events, Math.min(detect, size), rebuildCapMs);
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

/** The rebuild's time, or that it did not finish within its cap. */
function rebuildCell(p: ScalePoint): string {
  if (!p.rebuild) return 'not measured';
  if (p.rebuildMs === null) return `> ${f(p.rebuild.capMs / 1000)} (stopped)`;
  return f(p.rebuildMs / 1000, 1);
}

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
    ['events in the stream replayed', (p) => (p.rebuild ? f(p.rebuild.streamEvents) : 'not measured')],
    ['platform:rebuild (s)', (p) => rebuildCell(p)],
    ['platform:rebuild, s per 1,000 records', (p) => f(p.rebuildMs === null ? null : p.rebuildMs / p.records, 2)],
    ['  its start-up (s)', (p) => f(p.rebuild?.startMs == null ? null : p.rebuild.startMs / 1000, 1)],
    ['  its replay (s)', (p) => f(p.rebuild?.replayMs == null ? null : p.rebuild.replayMs / 1000, 1)],
    [
      '  its duplicate detection (s)',
      (p) => f(p.rebuild?.detectionMs == null ? null : p.rebuild.detectionMs / 1000, 1),
    ],
    ['  its check (records = the live ones)', (p) => (p.rebuild ? (p.rebuild.ok ? 'ok' : 'FAILED') : 'not measured')],
    ['full reconciliation (s)', (p) => f(p.reconciliationMs === null ? null : p.reconciliationMs / 1000, 1)],
    [
      '  of which the sources starting (s)',
      (p) => f(p.reconciliation ? p.reconciliation.sourcesStartMs / 1000 : null, 1),
    ],
    [
      '  after they were ready (s)',
      (p) =>
        f(
          p.reconciliation && p.reconciliationMs !== null
            ? (p.reconciliationMs - p.reconciliation.sourcesStartMs) / 1000
            : null,
          1,
        ),
    ],
    [
      '  slowest digest, source to check (ms)',
      (p) => f(p.reconciliation ? p.reconciliation.slowestDigestToCheckMs : null),
    ],
    [
      '  its check (every source in agreement)',
      (p) => (p.reconciliation ? (p.reconciliation.ok ? 'ok' : 'FAILED') : 'not measured'),
    ],
  ];
  const table = rows.map(([label, cell]) => [label, ...r.points.map(cell)]);
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const lines = table.map((row) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   '),
  );
  const checks = r.points.flatMap((p) => [
    ...(p.rebuild ? [`  rebuild ${p.records}: ${p.rebuild.check}`] : []),
    ...(p.reconciliation ? [`  reconciliation ${p.records}: ${p.reconciliation.check}`] : []),
  ]);
  return [
    ...lines,
    ...(checks.length ? ['', 'Checks', ...checks] : []),
    '',
    renderBudgets('Targets (the largest registry against the smallest, and two limits)', r.budgets),
  ].join('\n');
}
