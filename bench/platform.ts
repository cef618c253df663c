import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { jetstream, jetstreamManager, JetStreamApiError, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { JetStreamNames, PlatformEventType, Subjects } from '@ctp/contracts';
import { DEFAULT_TOPOLOGY, ensureStreams } from '@ctp/messaging';
import { Client } from 'pg';
import { PLATFORM_CONSUMERS } from '../apps/platform/src/platform.module';
import { TestDatabase } from '../test/support/databases';
import { freePort } from '../test/support/nats-server';
import { tokenFor } from '../test/support/auth';
import { ServiceProcess } from '../test/support/services';
import { connectPg, latencyStats, peakRssMiB, waitAllDecided, withTimeout } from './common';
import { CpuMeter, cpuBetween } from './cpu';
import { BenchContext, OverlapCounts, PlatformResult } from './context';
import { generatePlatformWorkload, PlatformEvent } from './platform-payloads';
import { ROLLUP_REQUESTS, RollupProbe, RollupSample } from './rollup-probe';

/**
 * Every event the platform has decided (fresh database: hub and partner consumers only), less the records still
 * queued for duplicate detection: it reaches the number of events sent only once every event is applied and detection
 * has compared every changed record (the consumer queues them in the transaction that decides their events).
 */
const DECIDED_SQL = `SELECT ((SELECT count(*) FROM inbox_events WHERE outcome IS NOT NULL)
                           - (SELECT count(*) FROM detection_queue))::int AS n`;

/** Publishes as fast as JetStream acknowledges, `window` PubAcks awaited at a time; resolves at the last PubAck. */
async function publishAll(js: JetStreamClient, events: PlatformEvent[], window = 1000): Promise<number> {
  for (let i = 0; i < events.length; i += window) {
    await Promise.all(events.slice(i, i + window).map((e) => js.publish(e.subject, e.payload, { msgID: e.id })));
  }
  return performance.now();
}

/**
 * The earlier parts used the same private nats-server: their platform's durable consumers are deleted and the stream
 * purged, so this platform starts from an empty stream (the durables are created again by the platform at start).
 */
async function resetStream(jsm: JetStreamManager): Promise<void> {
  for (const { durable } of PLATFORM_CONSUMERS) {
    try {
      await jsm.consumers.delete(JetStreamNames.eventsStream, durable);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && (err.code === 10014 || err.status === 404))) throw err;
    }
  }
  await jsm.streams.purge(JetStreamNames.eventsStream);
}

async function outcomesOf(pg: Client, ids: string[]): Promise<Record<string, number>> {
  const rows = (
    await pg.query(
      `SELECT outcome || coalesce(' ' || reason, '') AS outcome, count(*)::int AS n
         FROM inbox_events WHERE event_id = ANY($1::text[]) GROUP BY 1 ORDER BY 1`,
      [ids],
    )
  ).rows as { outcome: string | null; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.outcome ?? 'UNDECIDED', r.n]));
}

async function overlapCounts(pg: Client): Promise<OverlapCounts> {
  const [r] = (
    await pg.query(
      `SELECT (SELECT count(*) FROM registry_initiatives WHERE NOT withdrawn)::int AS live,
              (SELECT count(*) FROM overlap_pairs WHERE effective = 'DUPLICATE')::int AS dup,
              (SELECT count(*) FROM overlap_pairs WHERE effective = 'OVERLAP')::int AS ovl,
              (SELECT count(*) FROM overlap_pairs)::int AS stored,
              (SELECT count(DISTINCT cluster_id) FROM registry_clusters)::int AS clusters,
              (SELECT count(*) FROM registry_clusters)::int AS clustered,
              (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM registry_clusters
                 GROUP BY cluster_id) c)::int AS largest`,
    )
  ).rows as Record<string, number>[];
  return {
    liveRecords: r.live,
    duplicatePairs: r.dup,
    overlapPairs: r.ovl,
    storedPairs: r.stored,
    clusters: r.clusters,
    clusteredRecords: r.clustered,
    largestCluster: r.largest,
  };
}

async function outboxCounts(pg: Client): Promise<Record<string, number>> {
  const rows = (await pg.query(`SELECT subject, count(*)::int AS n FROM outbox_events GROUP BY subject`)).rows as {
    subject: string;
    n: number;
  }[];
  return Object.fromEntries(rows.map((r) => [r.subject, r.n]));
}

/** How the platform classified the genuine duplicates (partner re-reports of a hub's activity) that are still live. */
async function genuineDuplicates(pg: Client, events: PlatformEvent[]): Promise<PlatformResult['overlaps']['genuine']> {
  const live = new Set(
    (
      (await pg.query(`SELECT initiative_id FROM registry_initiatives WHERE NOT withdrawn`)).rows as {
        initiative_id: string;
      }[]
    ).map((r) => r.initiative_id),
  );
  const effective = new Map(
    (
      (await pg.query(`SELECT a_id, b_id, effective FROM overlap_pairs WHERE effective IS NOT NULL`)).rows as {
        a_id: string;
        b_id: string;
        effective: string;
      }[]
    ).map((p) => [`${p.a_id}\u0000${p.b_id}`, p.effective]),
  );
  const out = { pairs: 0, duplicate: 0, overlap: 0, neither: 0 };
  for (const e of events) {
    if (!e.duplicateOf || !live.has(e.initiativeId) || !live.has(e.duplicateOf)) continue;
    const [a, b] = [e.initiativeId, e.duplicateOf].sort();
    const c = effective.get(`${a}\u0000${b}`);
    out.pairs++;
    if (c === 'DUPLICATE') out.duplicate++;
    else if (c === 'OVERLAP') out.overlap++;
    else out.neither++;
  }
  return out;
}

function rollupStats(samples: RollupSample[]): PlatformResult['rollups'] {
  const good = samples.filter((s) => s.ok);
  const byRequest: PlatformResult['rollups']['byRequest'] = {};
  ROLLUP_REQUESTS.forEach((r, i) => {
    const { measured, p50Ms, p99Ms, maxMs } = latencyStats(good.filter((s) => s.request === i).map((s) => s.ms));
    byRequest[r.name] = { measured, p50Ms, p99Ms, maxMs };
  });
  return {
    ...latencyStats(good.map((s) => s.ms)),
    failed: samples.length - good.length,
    byRequest,
    idle: latencyStats([]),
  };
}

/**
 * The platform on its own, with a registry already stored: `platformSeed` initiatives from the four hubs and four
 * partners (see platform-payloads.ts) are published onto their subjects and decided first (not timed); then
 * `platformEvents` more (updates, new records, withdrawals, a few stale re-sends) are published as fast as JetStream
 * takes them, timed from the first publish until the inbox holds every one decided, while GET /rollups is asked every
 * `rollupEveryMs` (rollup-probe.ts). The platform runs from dist/ like the other parts, on a fresh database and on the
 * bench's private nats-server (its stream emptied first).
 */
export async function runPlatform(ctx: BenchContext): Promise<PlatformResult> {
  const { config, nats, cleanup, log } = ctx;
  log(`platform: generating ${config.platformSeed} stored initiatives and ${config.platformEvents} events…`);
  const workload = generatePlatformWorkload(config.platformSeed, config.platformEvents);
  const seedN = workload.seed.length;
  const n = workload.measured.length;

  const db = TestDatabase.fresh('bench_registry');
  // BENCH_KEEP_DB=1 keeps the platform part's database afterwards, to look at its plans and tables.
  if (process.env.BENCH_KEEP_DB === '1') log(`platform: keeping database ${db.name} (BENCH_KEEP_DB=1)`);
  else cleanup.add(`drop database ${db.name}`, () => db.drop());
  const nc = await nats.connect('bench-platform-publisher');
  cleanup.add('close the platform part’s NATS connection', () => nc.drain());
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  await ensureStreams(jsm, DEFAULT_TOPOLOGY);
  await resetStream(jsm);
  await nats.provision(); // secured: the platform's consumers again (a platform under its identity may not make them)
  const js = jetstream(nc);

  const platform = new ServiceProcess(
    'platform',
    {
      ...nats.env('platform'),
      LOG_LEVEL: config.logLevel,
      PORT: String(await freePort()),
      DATABASE_URL: db.url,
      NODE_OPTIONS: [
        `--require ${join(__dirname, 'loopback-preload.js')}`,
        ...(config.cpuProf ? [`--require ${join(__dirname, 'prof-preload.js')}`] : []),
      ].join(' '),
      ...(config.cpuProf ? { BENCH_PROF_DIR: join(config.logDir, 'prof'), BENCH_PROF_NAME: 'platform-registry' } : {}),
    },
    'platform-registry',
    config.logDir,
  );
  const stop = async () => {
    try {
      await withTimeout(
        'platform-registry to stop',
        15_000,
        config.cpuProf ? platform.kill('SIGUSR2') : platform.stop(),
      );
    } catch {
      await platform.kill('SIGKILL');
    }
  };
  cleanup.add('stop the platform (registry part)', stop, 30_000);
  log('platform: starting the platform…');
  await platform.start(60_000);
  const pg = await connectPg(db.url, 'bench-poll');
  cleanup.add('close the bench connection to the registry', () => pg.end());

  // 1. The stored registry: published at once, waited for, not timed.
  log(
    `platform: storing ${seedN} initiatives (${workload.seedStats.hub} hub, ${workload.seedStats.partner} partner, ` +
      `${workload.seedStats.genuineDuplicates} partner re-reports of a hub activity)…`,
  );
  const seedStart = performance.now();
  await publishAll(js, workload.seed);
  const seeded = await waitAllDecided('platform: the stored initiatives decided', pg, DECIDED_SQL, seedN, config);
  const seedMs = seeded.reachedAt - seedStart;
  const seedOutcomes = await outcomesOf(
    pg,
    workload.seed.map((e) => e.id),
  );
  if (seedOutcomes.APPLIED !== seedN) {
    throw new Error(`platform: not every stored initiative was applied: ${JSON.stringify(seedOutcomes)}`);
  }
  // A registry that has been stored for a while has been vacuumed and analysed by autovacuum; on a server where it is
  // off (this bench's PostgreSQL may have it off), do once what it would have done. Nothing vacuums while measuring.
  const [{ autovacuum }] = (await pg.query(`SELECT current_setting('autovacuum') AS autovacuum`)).rows as {
    autovacuum: string;
  }[];
  await pg.query('VACUUM (ANALYZE)');
  const afterSeed = await overlapCounts(pg);
  log(
    `platform: ${seedN} stored in ${(seedMs / 1000).toFixed(1)} s; ${afterSeed.duplicatePairs} duplicate and ` +
      `${afterSeed.overlapPairs} overlap pairs, ${afterSeed.clusters} clusters`,
  );
  const outboxBefore = await outboxCounts(pg);

  // Rollups with nothing being consumed, for comparison (this also lets the rollup publisher's debounce pass).
  const probe = await RollupProbe.start(
    platform.port,
    config.rollupEveryMs,
    `Bearer ${await tokenFor('IP-GS-CTP', 'registry:read-restricted', { ttlSec: 86_400 })}`,
  );
  cleanup.add('stop the rollup probe', () => probe.terminate());
  const idle = await probe.idle(60);

  // 2. Measured: every event published as fast as possible, until all decided; rollups asked meanwhile.
  log(
    `platform: measured, ${n} events (${JSON.stringify(workload.mix)}) and GET /rollups every ${config.rollupEveryMs} ms…`,
  );
  const meter = new CpuMeter(() => ({ platform: platform.pid }), nats.dir, [db.name]);
  const cpu0 = meter.snapshot();
  const probing = probe.begin();
  const t0 = performance.now();
  const published = publishAll(js, workload.measured);
  published.catch(() => undefined); // awaited below; a failure also shows as a stall
  const done = await waitAllDecided('platform: the measured events decided', pg, DECIDED_SQL, seedN + n, config);
  probe.stop();
  const samples = await probing;
  const publishedAt = await published;
  const cpu = cpuBetween(cpu0, meter.snapshot());
  const elapsedMs = done.reachedAt - t0;

  const outcomes = await outcomesOf(
    pg,
    workload.measured.map((e) => e.id),
  );
  const atEnd = await overlapCounts(pg);
  const outboxAfter = await outboxCounts(pg);
  const written = (subject: string) => (outboxAfter[subject] ?? 0) - (outboxBefore[subject] ?? 0);
  const genuine = await genuineDuplicates(pg, [...workload.seed, ...workload.measured]);
  const rejections = (
    await pg.query(
      `SELECT reason, min(detail) AS detail, count(*)::int AS n FROM inbox_events
        WHERE outcome = 'REJECTED' GROUP BY reason ORDER BY n DESC LIMIT 5`,
    )
  ).rows as { reason: string; detail: string; n: number }[];
  const [bloat] = (
    await pg.query(
      `SELECT n_live_tup::int AS live, n_dead_tup::int AS dead FROM pg_stat_user_tables
        WHERE relname = 'registry_initiatives'`,
    )
  ).rows as { live: number; dead: number }[];
  const peakRss = peakRssMiB(platform.pid) ?? null;
  await probe.terminate();
  await stop();

  const rollups = rollupStats(samples);
  rollups.idle = latencyStats(idle.filter((s) => s.ok).map((s) => s.ms));
  const notes: string[] = [
    `stored registry vacuumed and analysed once before measuring (server autovacuum: ${autovacuum}); at the end ` +
      `registry_initiatives holds ${bloat?.live ?? '?'} live and ${bloat?.dead ?? '?'} dead row versions`,
  ];
  const same =
    JSON.stringify(Object.entries(outcomes).sort()) === JSON.stringify(Object.entries(workload.expected).sort());
  if (!same) {
    notes.push(`outcomes differ from what the consumer rules predict: expected ${JSON.stringify(workload.expected)}`);
  }
  for (const r of rejections) notes.push(`rejected ${r.n} × ${r.reason}, e.g. ${r.detail.slice(0, 300)}`);
  const failed = samples.find((s) => !s.ok);
  if (failed) notes.push(`GET /rollups: ${rollups.failed} failed, the first: ${failed.problem}`);

  return {
    seed: {
      initiatives: seedN,
      hub: workload.seedStats.hub,
      partner: workload.seedStats.partner,
      genuineDuplicates: workload.seedStats.genuineDuplicates,
      payloadBytesAvg: workload.seedStats.avgPayloadBytes,
      elapsedMs: Math.round(seedMs),
      eventsPerSec: Math.round((seedN * 1000) / seedMs),
      overlaps: afterSeed,
    },
    throughput: {
      events: n,
      mix: workload.mix,
      elapsedMs: Math.round(elapsedMs),
      eventsPerSec: Math.round((n * 1000) / elapsedMs),
      publishMs: Math.round(publishedAt - t0),
      polls: done.polls,
    },
    outcomes,
    expectedOutcomes: workload.expected,
    overlaps: {
      ...atEnd,
      flaggedEvents: written(Subjects.platformEvent(PlatformEventType.OverlapFlagged)),
      clearedEvents: written(Subjects.platformEvent(PlatformEventType.OverlapCleared)),
      rollupEvents: written(Subjects.platformEvent(PlatformEventType.RollupUpdated)),
      genuine,
    },
    rollups,
    peakRssMiB: peakRss,
    cpu,
    notes,
  };
}
