/**
 * `npm run bench`: hub outboxes → JetStream → the platform's database, ours against a hand-written floor, in one run.
 *
 *   1. End-to-end throughput: N events (BENCH_EVENTS or --events, default 20 000; ~600-byte ctp:initiative:v1
 *      snapshots, see payloads.ts) committed into the four hubs' outbox_events, one transaction per hub, all at once;
 *      timed from the first COMMIT until the consumer's inbox holds N decided events (polled every 20 ms near the end, less often before). Before
 *      that, BENCH_THROUGHPUT_WARMUP (default 1 000) other events go the same way unmeasured, for ours and the floor
 *      alike: freshly started services otherwise spend the first seconds compiling code and planning queries.
 *   2. Latency at a paced rate: BENCH_PACED_RATE if given, otherwise 10% of the floor's end-to-end events/s measured
 *      in this run (the floor runs first), for BENCH_PACED_SECONDS or --paced-seconds (default 10): ours gets POST
 *      /initiatives on the four hubs on a schedule (at most BENCH_MAX_IN_FLIGHT, default 64, unanswered; the achieved
 *      rate is reported); latency = inbox decided_at − outbox created_at, both from the one PostgreSQL clock, with the
 *      stages in between. First as many unmeasured sends at the same rate (BENCH_PACED_WARMUP; services fresh from the
 *      throughput part were still compiling their request path: a hub spent ~20 % of its CPU in the optimizing
 *      compiler over its first 1,500 requests, ~3 % after 4,000); the paced part starts once they are decided and the
 *      platform's duplicate detection has compared every record the earlier parts changed.
 *   3. Peak RSS (VmHWM) of every process under test, read just before it is stopped; CPU seconds per process and
 *      for the rest of the machine during each part (PostgreSQL: only the backends of the run's own databases, so that
 *      neighbours on a shared server do not count); CPU per accepted request in the paced part, all processes under
 *      test (services, their PostgreSQL backends, nats-server) summed.
 *   4. The floor (bench/floor/): the same shape written by hand with plain pg and the NATS client, measured the same
 *      way on its own stream and databases; its paced rows are inserted by its relay process, which wakes itself after
 *      each commit as a hub does. It runs first. Then the peer (bench/peer/, BENCH_PEER=0 leaves it out; open NATS
 *      only): the same flow as a NestJS team would write it with @nestjs-plugins/nestjs-nats-jetstream-transport
 *      (publish after commit, one transaction per message), four hubs and a platform, measured like ours; its
 *      throughput part is N POST /initiatives as fast as answered (it has no outbox to drain).
 *   5. The platform on its own (platform.ts; a fresh database, the same private nats-server, its stream emptied
 *      first), with a registry already stored: BENCH_PLATFORM_SEED (default 10 000) initiatives from the four hubs and
 *      four partners (70/30; skewed countries, dates over 2025–2027, a few dozen activity titles in en/fr/es/ar, ~5%
 *      partner re-reports of a hub activity; see platform-payloads.ts) published straight onto their subjects and
 *      decided first, not timed, then vacuumed and analysed once (as autovacuum would have done; it may be off on the
 *      bench's server). Then BENCH_PLATFORM_EVENTS (default 10 000) more — updates (re-dated, allowed status changes,
 *      edits), new records, a few withdrawals and stale re-sends — published as fast as JetStream takes them, timed
 *      from the first publish until the inbox holds all decided and the detection queue is empty (polled every
 *      20 ms), through the whole consumer: rules, registry, duplicate detection, clusters, rollups. Meanwhile GET /rollups (three groupings/formats in
 *      turn) every 50 ms, at most one in flight, from a worker thread. Reports outcomes by reason, pairs and clusters,
 *      rollup latency, the platform's peak RSS and CPU.
 *   6. Budgets, printed (PASS/FAIL), not asserted, every one a ratio to a figure of the same run (budgets.ts): end to
 *      end >= 75% of the floor's events/s; paced p99 <= 2 × the floor's p99 + 20 ms with the schedule held; CPU per
 *      accepted request <= 1.5 × the floor's per event; the platform part >= 11.7% of the floor's events/s; GET
 *      /rollups p99 while consuming <= 2 × its p99 at rest + 20 ms. Absolute figures are printed as information.
 *
 * Needs `npm run build` (npm run bench does it), PostgreSQL at TEST_PG_URL (default postgres://postgres@127.0.0.1:5432)
 * and nats-server on PATH (NATS_SERVER_BIN): a private nats-server on a free loopback port and fresh databases are
 * created and removed again, also on failure and Ctrl-C. The services run from dist/ with LOG_LEVEL=info
 * (BENCH_LOG_LEVEL overrides), their output in .tmp/bench/, their HTTP ports kept on loopback (loopback-preload.ts).
 * BENCH_ONLY=platform runs the platform part alone, BENCH_ONLY=e2e the floor, ours and the peer (JSON on stdout, their
 * budgets on stderr). BENCH_PROFILE=scale runs the cost curve instead (scale.ts).
 * BENCH_NATS=secured runs it all on the shipped deploy/nats/nats.conf (nkey users, least-privilege permissions, TLS with
 * client certificates; generated identities): every service under its own identity, the floor and the bench's tooling
 * as admin, streams and consumers provisioned by admin (nats.ts); the default, open, has no authentication.
 * BENCH_SERVICE_ENV="NAME=value …" passes settings to our services (e.g. CONSUMER_LINGER_MS=20), shown with the figures. BENCH_CPU_PROF=1 writes a V8 CPU profile of every process under test into .tmp/bench/prof/. The bench waits (at most
 * 60 s) for the machine to be quiet before it starts. Exit code 0 unless the bench itself failed.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER_BIN } from '../test/support/nats-server';
import { PG_ADMIN_URL } from '../test/support/databases';
import { ROOT } from '../test/support/services';
import { queryOnce } from './common';
import { machineBusyPct } from './cpu';
import { pipelineBudgets, renderBudgets } from './budgets';
import { BenchConfig, BenchContext, Cleanup, pacedPlanOf } from './context';
import { runFloor } from './floor/run-floor';
import { BenchNats, NATS_MODES, NatsMode } from './nats';
import { runOurs } from './ours';
import { runPeer } from './peer/run-peer';
import { generateOutboxRows } from './payloads';
import { runPlatform } from './platform';
import { renderScale, runScale } from './scale';
import { evaluate, renderTable } from './report';

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
}

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1, max = 10_000_000): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name}=${raw} must be a whole number ${min}–${max}`);
  return n;
}

function argValue(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[i + 1];
    }
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}

function readConfig(argv: string[]): BenchConfig {
  const known = ['--events', '--paced-seconds'];
  for (const a of argv) {
    if (a.startsWith('--') && !known.some((k) => a === k || a.startsWith(`${k}=`))) {
      throw new Error(`unknown option ${a} (known: ${known.join(', ')})`);
    }
  }
  const events = positiveInt('--events', argValue(argv, '--events') ?? process.env.BENCH_EVENTS, 20_000, 4);
  const explicitRate = process.env.BENCH_PACED_RATE;
  const pacedRate = explicitRate ? positiveInt('BENCH_PACED_RATE', explicitRate, 1, 1, 20_000) : undefined;
  const pacedSeconds = positiveInt(
    '--paced-seconds',
    argValue(argv, '--paced-seconds') ?? process.env.BENCH_PACED_SECONDS,
    10,
    1,
    600,
  );
  return {
    events,
    pacedRate,
    pacedSeconds,
    maxInFlight: positiveInt('BENCH_MAX_IN_FLIGHT', process.env.BENCH_MAX_IN_FLIGHT, 64, 1, 10_000),
    warmup: process.env.BENCH_PACED_WARMUP
      ? positiveInt('BENCH_PACED_WARMUP', process.env.BENCH_PACED_WARMUP, 0, 0, 1_000_000)
      : undefined,
    throughputWarmup: positiveInt('BENCH_THROUGHPUT_WARMUP', process.env.BENCH_THROUGHPUT_WARMUP, 1000, 0, 1_000_000),
    pollMs: 20,
    logDir: join(ROOT, '.tmp', 'bench'),
    logLevel: process.env.BENCH_LOG_LEVEL || 'info',
    serviceEnv: serviceEnv(process.env.BENCH_SERVICE_ENV),
    cpuProf: process.env.BENCH_CPU_PROF === '1',
    platformSeed: positiveInt('BENCH_PLATFORM_SEED', process.env.BENCH_PLATFORM_SEED, 10_000, 1, 1_000_000),
    platformEvents: positiveInt('BENCH_PLATFORM_EVENTS', process.env.BENCH_PLATFORM_EVENTS, 10_000, 1, 1_000_000),
    rollupEveryMs: 50,
    nats: natsMode(process.env.BENCH_NATS),
    peer: process.env.BENCH_PEER !== '0',
  };
}

function natsMode(raw: string | undefined): NatsMode {
  if (raw === undefined || raw === '') return 'open';
  if (!(NATS_MODES as readonly string[]).includes(raw))
    throw new Error(`BENCH_NATS=${raw} must be one of ${NATS_MODES.join(', ')}`);
  return raw as NatsMode;
}

function serviceEnv(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? '').split(/\s+/).filter(Boolean)) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!m) throw new Error(`BENCH_SERVICE_ENV: "${pair}" is not NAME=value`);
    out[m[1]] = m[2];
  }
  return out;
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000 }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const config = readConfig(process.argv.slice(2));
  mkdirSync(config.logDir, { recursive: true });
  for (const f of readdirSync(config.logDir)) if (f.endsWith('.log')) rmSync(join(config.logDir, f), { force: true });
  rmSync(join(config.logDir, 'prof'), { recursive: true, force: true });
  if (config.cpuProf) mkdirSync(join(config.logDir, 'prof'));

  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping everything and dropping the databases…`);
    void cleanup.runAll(log).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onCrash = (err: unknown) => {
    if (interrupted) return;
    interrupted = true;
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void cleanup.runAll(log).finally(() => process.exit(1));
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  try {
    const [{ v: postgres }] = await queryOnce<{ v: string }>(
      PG_ADMIN_URL,
      `SELECT current_setting('server_version') AS v`,
    ).catch((err) => {
      throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}: ${(err as Error).message}`);
    });
    const revision = {
      commit: version('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
      changedFiles: version('git', ['-C', ROOT, 'status', '--porcelain']).split('\n').filter(Boolean).length,
    };
    const natsServer = version(NATS_SERVER_BIN, ['--version']).replace(/^nats-server:\s*/, 'nats-server ');
    if (natsServer === 'unknown') throw new Error(`${NATS_SERVER_BIN} not found or not runnable`);

    // A benchmark on a shared 2-core machine measures the neighbours too: wait (a bounded time) for them to go quiet.
    let backgroundBusyPct = await machineBusyPct(1000);
    for (let waited = 0; backgroundBusyPct > 15 && waited < 60; waited += 2) {
      if (waited === 0)
        log(`the machine is ${backgroundBusyPct}% busy before the start; waiting up to 60 s for quiet…`);
      backgroundBusyPct = await machineBusyPct(2000);
    }
    if (backgroundBusyPct > 15) log(`WARNING: the machine stays ${backgroundBusyPct}% busy: figures will be low`);

    log(`generating ${config.events} events…`);
    const rows = generateOutboxRows(config.events);
    const avg = (size: (r: (typeof rows)[number]) => number) =>
      Math.round(rows.reduce((a, r) => a + size(r), 0) / rows.length);
    const payloadBytesAvg = avg((r) => Buffer.byteLength(r.payload));
    const snapshotBytesAvg = avg((r) =>
      Buffer.byteLength(JSON.stringify((JSON.parse(r.payload) as { data: unknown }).data)),
    );

    log(`starting a private nats-server (BENCH_NATS=${config.nats})…`);
    const nats = await BenchNats.start(config.nats);
    cleanup.add('stop the private nats-server', () => nats.stop());
    const warmupRows = generateOutboxRows(config.throughputWarmup, 20_251_127);
    const ctx: BenchContext = { config, nats, rows, warmupRows, cleanup, log };
    const startedAt = new Date().toISOString();
    // The peer (bench/peer/) connects anonymously: it runs with BENCH_NATS=open only, and not with BENCH_PEER=0.
    const withPeer = config.peer && config.nats === 'open';
    if (config.peer && !withPeer) log('peer: skipped (it has no NATS identity: BENCH_NATS=secured)');
    if (process.env.BENCH_PROFILE === 'scale') {
      // The cost curve (scale.ts): the platform alone with a growing registry; targets against its smallest size.
      const sizes = (process.env.BENCH_SCALE_SIZES || '10000,50000,200000')
        .split(',')
        .map((v) => positiveInt('BENCH_SCALE_SIZES', v.trim(), 0, 100, 2_000_000));
      const scale = await runScale(
        ctx,
        sizes,
        positiveInt('BENCH_SCALE_EVENTS', process.env.BENCH_SCALE_EVENTS, 5000, 10, 1_000_000),
        positiveInt('BENCH_SCALE_DETECT', process.env.BENCH_SCALE_DETECT, 1000, 1, 1_000_000),
      );
      await cleanup.runAll(log);
      process.stdout.write(
        `\nCTP bench, scale profile: revision ${revision.commit}${revision.changedFiles ? ` + ${revision.changedFiles} changed files` : ''}; ` +
          `${availableParallelism()} CPUs, ${natsServer}, PostgreSQL ${postgres}, Node ${process.version}; ` +
          `machine ${backgroundBusyPct}% busy before the start\n\n${renderScale(scale)}\n\n${JSON.stringify({ revision, scale })}\n`,
      );
      return 0;
    }
    if (process.env.BENCH_ONLY === 'e2e') {
      // For work on the pipeline alone: the floor (first: the paced rate derives from it), ours, the peer, their
      // budgets; no platform part.
      const floor = await runFloor(ctx);
      const ours = await runOurs(ctx);
      const peer = withPeer ? await runPeer(ctx) : undefined;
      await cleanup.runAll(log);
      const budgets = pipelineBudgets(
        { eventsPerSec: ours.throughput.eventsPerSec, paced: ours.paced, pacedCpu: ours.cpu.paced },
        { eventsPerSec: floor.throughput.eventsPerSec, paced: floor.paced, pacedCpu: floor.cpu.paced },
      );
      process.stderr.write(`${renderBudgets('Budgets (ratios to figures of this run)', budgets)}\n`);
      process.stdout.write(
        `${JSON.stringify({ revision, nats: config.nats, serviceEnv: config.serviceEnv, paced: ctx.paced, budgets, ours, floor, peer })}\n`,
      );
      return 0;
    }
    if (process.env.BENCH_ONLY === 'platform') {
      // For work on the platform alone: the platform part, its figures as JSON, no end-to-end parts and no budgets.
      const platform = await runPlatform(ctx);
      await cleanup.runAll(log);
      process.stdout.write(`${JSON.stringify({ revision, nats: config.nats, platform })}\n`);
      return 0;
    }
    // The floor first: the run's paced rate derives from its throughput.
    const floor = await runFloor(ctx);
    log(`floor: ${floor.throughput.eventsPerSec} events/s, paced p99 ${floor.paced.p99Ms} ms`);
    const ours = await runOurs(ctx);
    log(`ours: ${ours.throughput.eventsPerSec} events/s, paced p99 ${ours.paced.p99Ms} ms`);
    const peer = withPeer ? await runPeer(ctx) : undefined;
    if (peer) log(`peer: ${peer.throughput.eventsPerSec} events/s, paced p99 ${peer.paced.p99Ms} ms`);
    const platform = await runPlatform(ctx);
    log(
      `platform: ${platform.throughput.eventsPerSec} events/s with ${platform.seed.initiatives} stored, ` +
        `GET /rollups p99 ${platform.rollups.p99Ms} ms`,
    );

    const { logDir: _logDir, ...shown } = config;
    const report = evaluate({
      bench: 'ctp-hub-to-platform',
      startedAt,
      revision,
      machine: { cpus: availableParallelism(), node: process.version, natsServer, postgres, backgroundBusyPct },
      config: { ...shown, payloadBytesAvg, snapshotBytesAvg },
      paced: pacedPlanOf(ctx),
      ours,
      floor,
      ...(peer ? { peer } : {}),
      platform,
    });
    await cleanup.runAll(log);
    process.stdout.write(
      `\nCTP bench: ${config.events} events, snapshots ~${snapshotBytesAvg} B (envelopes ~${payloadBytesAvg} B); ` +
        `platform part ${config.platformEvents} events with ${config.platformSeed} initiatives stored; ` +
        `${report.machine.cpus} CPUs, ` +
        `${natsServer} (${config.nats === 'secured' ? 'secured: every service under its own NATS identity, TLS' : 'open'}), PostgreSQL ${postgres}, Node ${process.version}; ` +
        `revision ${revision.commit}${revision.changedFiles ? ` + ${revision.changedFiles} changed files` : ''}; ` +
        `machine ${backgroundBusyPct}% busy before the start; service logs in .tmp/bench/\n\n`,
    );
    process.stdout.write(`${renderTable(report)}\n\n`);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  } catch (err) {
    if (interrupted) return 130;
    log(`bench failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await cleanup.runAll(log);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(`bench failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
