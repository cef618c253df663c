import { Agent } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HUB_REGIONS } from '@ctp/contracts';
import { TestDatabase } from '../../test/support/databases';
import { freePort } from '../../test/support/nats-server';
import {
  pacedReport,
  connectPg,
  measureLatencies,
  paced,
  peakRssMiB,
  postJson,
  queryOnce,
  waitAllDecided,
} from '../common';
import { CpuMeter, cpuBetween } from '../cpu';
import { BenchContext, pacedPlanOf, PipelineResult } from '../context';
import { createDatabase } from '../floor/run-floor';
import { FloorProcess } from '../floor/process';
import { prng, reportRequest } from '../payloads';
import { PEER_HUB_SCHEMA, PEER_PLATFORM_SCHEMA } from './protocol';

const DECIDED_SQL = `SELECT count(*)::int AS n FROM inbox_events`;
/** As many requests at once as the bench allows: the throughput part has no backlog to drain (no outbox). */
const AS_FAST_AS_POSSIBLE = 1_000_000;

/**
 * The peer (protocol.ts): four hub processes and one platform process, measured like ours and the floor. It has no
 * outbox, so its throughput part cannot start from committed rows: it is N `POST /initiatives` sent as fast as the
 * hubs answer (at most BENCH_MAX_IN_FLIGHT unanswered), timed from the first request until the inbox holds them all.
 * Its paced part is ours exactly: the run's rate and count of `POST /initiatives`, latency = inbox decided_at − the
 * hub row's created_at (one PostgreSQL clock).
 */
export async function runPeer(ctx: BenchContext): Promise<PipelineResult> {
  const { config, nats, cleanup, log } = ctx;
  const plan = pacedPlanOf(ctx);
  const hubDbs = HUB_REGIONS.map((r) => TestDatabase.fresh(`bench_peer_hub_${r}`));
  const platformDb = TestDatabase.fresh('bench_peer_platform');
  for (const db of [...hubDbs, platformDb]) cleanup.add(`drop database ${db.name}`, () => db.drop());
  for (const db of hubDbs) await createDatabase(db, PEER_HUB_SCHEMA);
  await createDatabase(platformDb, PEER_PLATFORM_SCHEMA);

  const execArgv = config.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(config.logDir, 'prof')}`] : [];
  const platform = new FloorProcess(
    'peer-platform',
    join(__dirname, 'consumer.js'),
    { PEER_NATS_URL: nats.url, PEER_DATABASE_URL: platformDb.url },
    config.logDir,
    execArgv,
  );
  const hubs = await Promise.all(
    HUB_REGIONS.map(async (region, i) => {
      const port = await freePort();
      return {
        port,
        proc: new FloorProcess(
          `peer-hub-${region}`,
          join(__dirname, 'hub.js'),
          {
            PEER_NATS_URL: nats.url,
            PEER_DATABASE_URL: hubDbs[i].url,
            PEER_HUB_REGION: region,
            PEER_PORT: String(port),
          },
          config.logDir,
          execArgv,
        ),
      };
    }),
  );
  const procs = [...hubs.map((h) => h.proc), platform];
  const stopAll = () => Promise.all(procs.map((p) => p.stop())).then(() => undefined);
  cleanup.add('stop the peer processes', stopAll, 30_000);
  log('peer: starting its platform (creates its stream) and four hubs…');
  await platform.start(60_000);
  await Promise.all(hubs.map((h) => h.proc.start(60_000)));

  const platformPg = await connectPg(platformDb.url, 'bench-poll');
  cleanup.add('close the bench connection to the peer platform', () => platformPg.end());
  const meter = new CpuMeter(
    () => Object.fromEntries(procs.map((p) => [p.name, p.pid])),
    nats.dir,
    [...hubDbs, platformDb].map((d) => d.name),
  );

  const agent = new Agent({ keepAlive: true, maxSockets: Math.ceil(config.maxInFlight / hubs.length) });
  cleanup.add('close HTTP connections (peer)', async () => agent.destroy());
  const rnd = prng(78);
  let firstFailure: string | undefined;
  const send = (prefix: string) => async (i: number) => {
    const hub = hubs[i % hubs.length];
    const region = HUB_REGIONS[i % HUB_REGIONS.length];
    const body = reportRequest(region, `${prefix}${i}`, rnd);
    try {
      const res = await postJson(agent, hub.port, '/initiatives', body, { 'x-correlation-id': `${prefix}${i}` });
      if (res.status === 201) return true;
      firstFailure ??= `${hub.proc.name} answered ${res.status}: ${res.body.slice(0, 500)}`;
    } catch (err) {
      firstFailure ??= `${hub.proc.name}: ${(err as Error).message}`;
    }
    return false;
  };
  const rowTotal = async () => {
    let total = 0;
    for (const db of hubDbs) {
      total += (await queryOnce<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM initiatives`))[0].n;
    }
    return total;
  };
  const burst = async (what: string, count: number, prefix: string) => {
    const r = await paced(count, AS_FAST_AS_POSSIBLE, config.maxInFlight, count * 50 + 60_000, send(prefix));
    if (r.failed > 0) throw new Error(`peer: ${r.failed} of ${r.issued} ${what} failed; the first: ${firstFailure}`);
    return r;
  };

  // 0. Throughput warm-up (not measured), as many requests as ours and the floor get events.
  const w = ctx.warmupRows.length;
  if (w > 0) {
    log(`peer: throughput warm-up, ${w} requests…`);
    await burst('warm-up requests', w, 'bench-tpwarm-');
    await waitAllDecided('peer: throughput warm-up decided', platformPg, DECIDED_SQL, await rowTotal(), config);
  }
  const cpuTp0 = meter.snapshot();
  // 1. Throughput: N requests as fast as the hubs take them, until the platform has decided them all.
  const n = ctx.rows.length;
  log(`peer: throughput, ${n} requests as fast as the hubs answer…`);
  const t0 = performance.now();
  await burst('throughput requests', n, 'bench-tp-');
  const done = await waitAllDecided('peer: every request decided', platformPg, DECIDED_SQL, await rowTotal(), config);
  const elapsedMs = done.reachedAt - t0;
  const cpuTp = cpuBetween(cpuTp0, meter.snapshot());

  // 2. Latency at the run's paced rate, after as many unmeasured requests at the same rate.
  log(`peer: warm-up, ${plan.warmup} requests at ${plan.rate}/s…`);
  const warm = await paced(
    plan.warmup,
    plan.rate,
    config.maxInFlight,
    (plan.warmup * 1000) / plan.rate + 30_000,
    send('bench-warm-'),
  );
  if (warm.failed > 0) throw new Error(`peer: ${warm.failed} warm-up requests failed; the first: ${firstFailure}`);
  await waitAllDecided('peer: warm-up decided', platformPg, DECIDED_SQL, await rowTotal(), config);
  log(`peer: paced, ${plan.count} requests at ${plan.rate}/s…`);
  const cpuPaced0 = meter.snapshot();
  const p = await paced(
    plan.count,
    plan.rate,
    config.maxInFlight,
    config.pacedSeconds * 1000 + 30_000,
    send('bench-paced-'),
  );
  await waitAllDecided('peer: paced requests decided', platformPg, DECIDED_SQL, await rowTotal(), config);
  const cpuPaced = cpuBetween(cpuPaced0, meter.snapshot());
  const lat = await measureLatencies(
    hubDbs.map((d) => d.url),
    platformDb.url,
    'bench-paced-',
    undefined,
    { name: 'initiatives', sentColumn: null },
  );
  const notes: string[] = [
    'throughput part: POST /initiatives as fast as answered (no outbox to drain), not committed rows as ours and the floor',
  ];
  if (firstFailure) notes.push(`first failed request: ${firstFailure}`);

  const peakRss: Record<string, number | null> = {};
  for (const proc of procs) peakRss[proc.name] = peakRssMiB(proc.pid) ?? null;
  await stopAll();

  return {
    throughput: {
      events: n,
      elapsedMs: Math.round(elapsedMs),
      eventsPerSec: Math.round((n * 1000) / elapsedMs),
      commitSpreadMs: 0,
      polls: done.polls,
    },
    paced: pacedReport(plan.rate, plan.count, p, lat),
    peakRssMiB: peakRss,
    cpu: { throughput: cpuTp, paced: cpuPaced },
    notes,
  };
}
