import { join } from 'node:path';
import { Client } from 'pg';
import { PG_ADMIN_URL, TestDatabase } from '../../test/support/databases';
import {
  pacedReport,
  bulkInsertOutbox,
  connectPg,
  measureLatencies,
  peakRssMiB,
  queryOnce,
  waitAllDecided,
} from '../common';
import { CpuMeter, cpuBetween } from '../cpu';
import { BUDGETS, pacedRateFor } from '../budgets';
import { BenchContext, PipelineResult } from '../context';
import { withSubjectRoot } from '../payloads';
import { FloorProcess } from './process';
import { FLOOR_HUB_SCHEMA, FLOOR_PLATFORM_SCHEMA } from './protocol';

const STREAM = 'FLOOR';
const SUBJECT_ROOT = 'floor';
const DECIDED_SQL = `SELECT count(*)::int AS n FROM inbox_events WHERE decided_at IS NOT NULL`;

export async function createDatabase(db: TestDatabase, schema: string[]): Promise<void> {
  const admin = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${db.name}"`);
  } finally {
    await admin.end();
  }
  for (const sql of schema) await db.query(sql);
}

/** The floor: the hand-written relay and consumer, same payloads, same measurements, its own stream and databases. */
export async function runFloor(ctx: BenchContext): Promise<PipelineResult> {
  const { config, nats, cleanup, log } = ctx;
  const hubDb = TestDatabase.fresh('bench_floor_hub');
  const platformDb = TestDatabase.fresh('bench_floor_platform');
  for (const db of [hubDb, platformDb]) cleanup.add(`drop database ${db.name}`, () => db.drop());
  await createDatabase(hubDb, FLOOR_HUB_SCHEMA);
  await createDatabase(platformDb, FLOOR_PLATFORM_SCHEMA);

  const execArgv = config.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(config.logDir, 'prof')}`] : [];
  // Secured (BENCH_NATS): both connect as admin, with its credentials from the environment (see protocol.ts).
  const { NATS_URL, ...credentials } = nats.env('admin');
  const common = { ...credentials, FLOOR_NATS_URL: NATS_URL, FLOOR_STREAM: STREAM, FLOOR_SUBJECT_ROOT: SUBJECT_ROOT };
  const relay = new FloorProcess(
    'floor-relay',
    join(__dirname, 'relay.js'),
    { ...common, FLOOR_DATABASE_URL: hubDb.url, FLOOR_BATCH: '500', FLOOR_POLL_MS: '500' },
    config.logDir,
    execArgv,
  );
  const consumer = new FloorProcess(
    'floor-consumer',
    join(__dirname, 'consumer.js'),
    { ...common, FLOOR_DATABASE_URL: platformDb.url, FLOOR_FILTER: `${SUBJECT_ROOT}.hub.>`, FLOOR_MAX_BATCH: '500' },
    config.logDir,
    execArgv,
  );
  const procs = [relay, consumer];
  const stopAll = () => Promise.all(procs.map((p) => p.stop())).then(() => undefined);
  cleanup.add('stop the floor processes', stopAll, 30_000);
  log('floor: starting its relay and consumer…');
  await relay.start(); // creates the stream
  await consumer.start();

  const platformPg = await connectPg(platformDb.url, 'bench-poll');
  cleanup.add('close the bench connection to the floor platform', () => platformPg.end());

  const meter = new CpuMeter(() => Object.fromEntries(procs.map((s) => [s.name, s.pid])), nats.dir, [
    hubDb.name,
    platformDb.name,
  ]);
  // 0. Throughput warm-up (not measured): the same events ours got first.
  const regions = [...new Set(ctx.rows.map((r) => r.region))];
  const w = ctx.warmupRows.length;
  if (w > 0) {
    log(`floor: throughput warm-up, ${w} events…`);
    await bulkInsertOutbox(
      regions.map((region) => ({
        url: hubDb.url,
        rows: ctx.warmupRows.filter((r) => r.region === region),
        subject: (r) => withSubjectRoot(r.subject, SUBJECT_ROOT),
      })),
    );
    await waitAllDecided('floor: throughput warm-up decided', platformPg, DECIDED_SQL, w, config);
  }
  const cpuTp0 = meter.snapshot();

  // 1. Throughput: the same rows, into the floor's one outbox, one transaction per hub's share, all at once.
  const n = ctx.rows.length;
  log(`floor: throughput, ${n} events into its outbox…`);
  const insert = await bulkInsertOutbox(
    regions.map((region) => ({
      url: hubDb.url,
      rows: ctx.rows.filter((r) => r.region === region),
      subject: (r) => withSubjectRoot(r.subject, SUBJECT_ROOT),
    })),
  );
  const done = await waitAllDecided('floor: every event decided', platformPg, DECIDED_SQL, w + n, config);
  const elapsedMs = done.reachedAt - insert.firstCommitAt;
  const cpuTp = cpuBetween(cpuTp0, meter.snapshot());
  const [{ registry }] = await queryOnce<{ registry: number }>(
    platformDb.url,
    `SELECT count(*)::int AS registry FROM registry_initiatives`,
  );
  const notes = [`throughput: ${registry} initiatives in the floor registry`];
  const eventsPerSec = Math.round((n * 1000) / elapsedMs);

  // The paced rate of the whole run derives from the floor's throughput (BENCH_PACED_RATE overrides it).
  const rate = pacedRateFor(eventsPerSec, config.pacedRate);
  const plan = {
    rate,
    count: Math.round(rate * config.pacedSeconds),
    warmup: config.warmup ?? Math.round(rate * config.pacedSeconds),
    basis:
      config.pacedRate !== undefined
        ? 'BENCH_PACED_RATE'
        : `${BUDGETS.pacedShareOfFloor * 100}% of the floor's ${eventsPerSec} events/s`,
  };
  ctx.paced = plan;
  log(`paced rate for this run: ${rate}/s (${plan.basis})`);

  // 2. Latency at a paced rate: inserts made (and the relay woken) inside the relay process, on its schedule.
  const outboxTotal = async () =>
    (await queryOnce<{ n: number }>(hubDb.url, `SELECT count(*)::int AS n FROM outbox_events`))[0].n;
  log(`floor: warm-up, ${plan.warmup} inserts…`);
  const common2 = { ratePerSec: rate, maxInFlight: config.maxInFlight };
  const warm = await relay.runPaced(
    { type: 'paced', count: plan.warmup, prefix: 'bench-warm-', ...common2 },
    (plan.warmup * 1000) / rate + 60_000,
  );
  if (warm.failed > 0) throw new Error(`floor: ${warm.failed} of ${warm.issued} warm-up inserts failed`);
  await waitAllDecided('floor: warm-up decided', platformPg, DECIDED_SQL, await outboxTotal(), config);

  const count = plan.count;
  log(`floor: paced, ${count} inserts at ${rate}/s…`);
  const cpuPaced0 = meter.snapshot();
  const p = await relay.runPaced(
    { type: 'paced', count, prefix: 'bench-paced-', ...common2 },
    config.pacedSeconds * 1000 + 120_000,
  );
  await waitAllDecided('floor: paced events decided', platformPg, DECIDED_SQL, await outboxTotal(), config);
  const cpuPaced = cpuBetween(cpuPaced0, meter.snapshot());
  const lat = await measureLatencies([hubDb.url], platformDb.url, 'bench-paced-');

  const peakRss: Record<string, number | null> = {};
  for (const proc of procs) peakRss[proc.name] = peakRssMiB(proc.pid) ?? null;
  await stopAll();

  return {
    throughput: {
      events: n,
      elapsedMs: Math.round(elapsedMs),
      eventsPerSec,
      commitSpreadMs: Math.round(insert.lastCommitAt - insert.firstCommitAt),
      polls: done.polls,
    },
    paced: pacedReport(rate, count, p, lat),
    peakRssMiB: peakRss,
    cpu: { throughput: cpuTp, paced: cpuPaced },
    notes,
  };
}
