import { Agent } from 'node:http';
import { join } from 'node:path';
import { HUB_REGIONS, HubRegion } from '@ctp/contracts';
import { TestDatabase } from '../test/support/databases';
import { freePort } from '../test/support/nats-server';
import { tokenFor } from '../test/support/auth';
import { ServiceProcess } from '../test/support/services';
import {
  pacedReport,
  bulkInsertOutbox,
  connectPg,
  measureLatencies,
  paced,
  peakRssMiB,
  postJson,
  queryOnce,
  waitAllDecided,
  withTimeout,
} from './common';
import { CpuMeter, cpuBetween } from './cpu';
import { BenchContext, pacedPlanOf, PipelineResult } from './context';
import { prng, reportRequest } from './payloads';

/** The hubs' events the platform has decided (its inbox may also hold other consumers' events one day). */
const DECIDED_SQL = `SELECT count(*)::int AS n FROM inbox_events WHERE subject LIKE 'ctp.hub.%' AND outcome IS NOT NULL`;
/** Decided events less the records still queued for duplicate detection: reaches the events sent once all is done. */
const AT_REST_SQL = `SELECT ((SELECT count(*) FROM inbox_events WHERE subject LIKE 'ctp.hub.%' AND outcome IS NOT NULL)
                           - (SELECT count(*) FROM detection_queue))::int AS n`;

/** Ours: the four real hub processes and the real platform process, built into dist/. */
export async function runOurs(ctx: BenchContext): Promise<PipelineResult> {
  const { config, nats, cleanup, log } = ctx;
  const hubDbs = Object.fromEntries(HUB_REGIONS.map((r) => [r, TestDatabase.fresh(`bench_hub_${r}`)])) as Record<
    HubRegion,
    TestDatabase
  >;
  const platformDb = TestDatabase.fresh('bench_platform');
  for (const db of [...Object.values(hubDbs), platformDb]) cleanup.add(`drop database ${db.name}`, () => db.drop());

  // Every request carries a real token (see send() below); the rate limit is raised so that the bench measures the
  // throttler's bookkeeping without being refused by it.
  const common = { LOG_LEVEL: config.logLevel, HTTP_RATE_LIMIT_PER_MINUTE: '10000000', ...config.serviceEnv };
  await nats.provision(config.serviceEnv); // secured: services under an identity may not make streams or consumers
  // Every service is kept on loopback (see loopback-preload.ts), and profiled when asked (prof-preload.ts).
  const preload = (name: string): Record<string, string> => ({
    NODE_OPTIONS: [
      `--require ${join(__dirname, 'loopback-preload.js')}`,
      ...(config.cpuProf ? [`--require ${join(__dirname, 'prof-preload.js')}`] : []),
    ].join(' '),
    ...(config.cpuProf ? { BENCH_PROF_DIR: join(config.logDir, 'prof'), BENCH_PROF_NAME: name } : {}),
  });
  const platform = new ServiceProcess(
    'platform',
    {
      ...nats.env('platform'),
      ...common,
      ...preload('platform'),
      PORT: String(await freePort()),
      DATABASE_URL: platformDb.url,
    },
    'platform',
    config.logDir,
  );
  const hubs = await Promise.all(
    HUB_REGIONS.map(
      async (region) =>
        new ServiceProcess(
          'hub',
          {
            ...nats.env(`hub-${region}`),
            ...common,
            ...preload(`hub-${region}`),
            HUB_REGION: region,
            PORT: String(await freePort()),
            DATABASE_URL: hubDbs[region].url,
          },
          `hub-${region}`,
          config.logDir,
        ),
    ),
  );
  const services = [...hubs, platform];
  const stopAll = async () => {
    await Promise.all(
      services.map(async (s) => {
        try {
          await withTimeout(`${s.name} to stop`, 15_000, config.cpuProf ? s.kill('SIGUSR2') : s.stop());
        } catch {
          await s.kill('SIGKILL');
        }
      }),
    );
  };
  cleanup.add('stop our services', stopAll, 30_000);

  log('ours: starting the platform and four hubs…');
  await platform.start(60_000);
  await Promise.all(hubs.map((h) => h.start(60_000)));
  log(`ours: services ready; logs in ${config.logDir}`);

  const platformPg = await connectPg(platformDb.url, 'bench-poll');
  cleanup.add('close the bench connection to the platform', () => platformPg.end());

  const meter = new CpuMeter(
    () => Object.fromEntries(services.map((s) => [s.name, s.pid])),
    nats.dir,
    [...Object.values(hubDbs), platformDb].map((d) => d.name),
  );

  // 0. Throughput warm-up (not measured): other initiatives through the same path.
  const w = ctx.warmupRows.length;
  if (w > 0) {
    log(`ours: throughput warm-up, ${w} events…`);
    await bulkInsertOutbox(
      HUB_REGIONS.map((region) => ({
        url: hubDbs[region].url,
        rows: ctx.warmupRows.filter((r) => r.region === region),
      })),
    );
    await waitAllDecided('ours: throughput warm-up decided', platformPg, DECIDED_SQL, w, config);
  }
  const cpuTp0 = meter.snapshot();

  // 1. Throughput: all rows committed into the four outboxes at once; the relays take them from there.
  const n = ctx.rows.length;
  log(`ours: throughput, ${n} events into the hubs' outboxes…`);
  const insert = await bulkInsertOutbox(
    HUB_REGIONS.map((region) => ({ url: hubDbs[region].url, rows: ctx.rows.filter((r) => r.region === region) })),
  );
  const done = await waitAllDecided(
    'ours: every event decided by the platform',
    platformPg,
    DECIDED_SQL,
    w + n,
    config,
  );
  const elapsedMs = done.reachedAt - insert.firstCommitAt;
  const cpuTp = cpuBetween(cpuTp0, meter.snapshot());
  const outcomes = await queryOnce<{ outcome: string; n: number }>(
    platformDb.url,
    `SELECT outcome || coalesce(' ' || reason, '') AS outcome, count(*)::int AS n
       FROM inbox_events WHERE subject LIKE 'ctp.hub.%' GROUP BY 1 ORDER BY 1`,
  );
  const notes = [`throughput outcomes: ${outcomes.map((o) => `${o.outcome} ${o.n}`).join(', ')}`];

  // 2. Latency at a paced rate, through the hubs' REST API.
  const agent = new Agent({ keepAlive: true, maxSockets: Math.ceil(config.maxInFlight / hubs.length) });
  cleanup.add('close HTTP connections', async () => agent.destroy());
  const rnd = prng(77);
  let firstFailure: string | undefined;
  // Each hub's system has its own token (organisation IP-HUB-<REGION>), signed once like a client caching its token.
  const hubAuth = await Promise.all(
    HUB_REGIONS.map(
      async (r) => `Bearer ${await tokenFor(`IP-HUB-${r.toUpperCase()}`, 'initiatives:write', { ttlSec: 86_400 })}`,
    ),
  );
  const send = (prefix: string) => async (i: number) => {
    const hub = hubs[i % hubs.length];
    const region = HUB_REGIONS[i % HUB_REGIONS.length];
    const body = reportRequest(region, `${prefix}${i}`, rnd);
    try {
      const res = await postJson(agent, hub.port, '/initiatives', body, {
        'x-correlation-id': `${prefix}${i}`,
        authorization: hubAuth[i % HUB_REGIONS.length],
      });
      if (res.status === 201) return true;
      firstFailure ??= `${hub.name} answered ${res.status}: ${res.body.slice(0, 500)} (sent ${JSON.stringify(body)})`;
    } catch (err) {
      firstFailure ??= `${hub.name}: ${(err as Error).message}`;
    }
    return false;
  };
  const outboxTotal = async () => {
    let total = 0;
    for (const db of Object.values(hubDbs)) {
      total += (
        await queryOnce<{ n: number }>(
          db.url,
          `SELECT count(*)::int AS n FROM outbox_events WHERE subject LIKE 'ctp.hub.%'`,
        )
      )[0].n;
    }
    return total;
  };

  const plan = pacedPlanOf(ctx);
  log(`ours: warm-up, ${plan.warmup} requests…`);
  const warmLimitMs = (plan.warmup * 1000) / plan.rate + 30_000;
  const warm = await paced(plan.warmup, plan.rate, config.maxInFlight, warmLimitMs, send('bench-warm-'));
  if (warm.failed > 0) {
    throw new Error(`ours: ${warm.failed} of ${warm.issued} warm-up requests failed; the first: ${firstFailure}`);
  }
  // The paced part starts from a platform at rest: every event decided and duplicate detection done with the earlier
  // parts (the throughput part leaves ~20,000 changed records for detection to compare after their events applied).
  await waitAllDecided(
    'ours: warm-up decided and detection done',
    platformPg,
    AT_REST_SQL,
    await outboxTotal(),
    config,
  );

  const count = plan.count;
  log(`ours: paced, ${count} requests at ${plan.rate}/s…`);
  const cpuPaced0 = meter.snapshot();
  const p = await paced(
    count,
    plan.rate,
    config.maxInFlight,
    config.pacedSeconds * 1000 + 30_000,
    send('bench-paced-'),
  );
  await waitAllDecided('ours: paced events decided', platformPg, DECIDED_SQL, await outboxTotal(), config);
  const cpuPaced = cpuBetween(cpuPaced0, meter.snapshot());
  if (firstFailure) notes.push(`paced: first failed request: ${firstFailure}`);
  const lat = await measureLatencies(
    Object.values(hubDbs).map((d) => d.url),
    platformDb.url,
    'bench-paced-',
    'received_at',
  );

  // 3. Peak RSS, just before stopping.
  const peakRss: Record<string, number | null> = {};
  for (const s of services) peakRss[s.name] = peakRssMiB(s.pid) ?? null;
  await stopAll();

  return {
    throughput: {
      events: n,
      elapsedMs: Math.round(elapsedMs),
      eventsPerSec: Math.round((n * 1000) / elapsedMs),
      commitSpreadMs: Math.round(insert.lastCommitAt - insert.firstCommitAt),
      polls: done.polls,
    },
    paced: pacedReport(plan.rate, count, p, lat),
    peakRssMiB: peakRss,
    cpu: { throughput: cpuTp, paced: cpuPaced },
    notes,
  };
}
