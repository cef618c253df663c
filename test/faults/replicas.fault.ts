import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DurableConsumers, JetStreamNames } from '@ctp/contracts';
import { DeadLetterHeaders } from '@ctp/messaging';
import { as } from '../support/auth';
import { freePort } from '../support/nats-server';
import { ROOT, ServiceProcess } from '../support/services';
import { HubLoad } from './support/load';
import { TestNatsCluster } from './support/nats-cluster';
import { firstActAfter, leaderOf, replicaOf, StallWatch } from './support/replicas';
import { FaultRig, jsonLines, printSummary, stopWithin } from './support/rig';
import { ScenarioDatabase } from './support/scenario-db';
import { TcpBalancer } from './support/tcp-balancer';

/**
 * The documented bounds (docs/faults.md, "Replicas and failover"): a standby takes a leadership over within
 * LEADER_FAILOVER_MS of the leader's death (it tries for the lock every 2 s and on its own commits, and PostgreSQL
 * releases a dead session's lock at once), and the other platform replica runs detection within it too; no client and
 * no consumer waits longer than STALL_MS for a killed replica's work (a reset request is retried at the other replica;
 * messages the dead replica held come back after the consumer's ack wait, 3 s here).
 */
const LEADER_FAILOVER_MS = 5000;
const STALL_MS = 10_000;

const RELAY_ACTIVE = 'outbox relay active';
const OUTBOUND_ACTIVE = 'outbound worker active';
const DETECTION_RUN = 'detection run';

/**
 * Every service in two replicas (the platform, hub `afr` behind a round-robin TCP balancer, partner-liaison; hub `eur`
 * single) on the three-node NATS cluster (streams with three replicas, each service given the three URLs and its own
 * identity) and the shared PostgreSQL, the replicas of a service sharing its database and its durable consumers.
 * Mid-burst, the replica that leads (holds the outbox relay's lock; partner-liaison's outbound worker's) of each
 * service is SIGKILLed in turn and restarted: the other replica takes the leadership over, requests reset by the kill
 * are retried through the balancer at the other replica (Idempotency-Key and If-Match keep them exact), messages the
 * dead replica held come back to either replica. Then the invariants, versions applied in order per initiative,
 * the failover time per role, no stall beyond the documented bound, and rollups equal to those of a rebuild.
 */
describe('fault replicas', () => {
  let cluster: TestNatsCluster;
  let rig: FaultRig;
  let balancer: TcpBalancer;
  let afr: ServiceProcess[];
  let platforms: ServiceProcess[];
  let liaisons: ServiceProcess[];
  let liaisonDb: ScenarioDatabase;
  let rebuildDb: ScenarioDatabase | undefined;
  /** Stopped in afterAll too, so that a failed run leaves no sampler polling dropped databases. */
  const watches: StallWatch[] = [];

  beforeAll(async () => {
    cluster = await TestNatsCluster.start();
    rig = await FaultRig.create({
      name: 'replicas',
      natsUrls: cluster.urls,
      natsIdentities: cluster,
      hubEnv: { NATS_STREAM_REPLICAS: '3' },
      // Debug on the platform: its "detection run" line, the detection's leader action.
      platformEnv: { NATS_STREAM_REPLICAS: '3', LOG_LEVEL: 'debug' },
    });
    afr = [rig.hub('afr').proc];
    platforms = [rig.platform];
    liaisonDb = ScenarioDatabase.fresh('replicas_liaison');
    liaisons = [
      new ServiceProcess(
        'partner-liaison',
        {
          PORT: String(await freePort()),
          NATS_URL: rig.natsUrl,
          DATABASE_URL: liaisonDb.url,
          NATS_STREAM_REPLICAS: '3',
          ...cluster.env('partner-liaison'),
        },
        'fault-replicas-partner-liaison',
      ),
    ];
    afr.push(await replicaOf(afr[0]));
    platforms.push(await replicaOf(platforms[0]));
    liaisons.push(await replicaOf(liaisons[0]));
    // The first replica of each service creates its database and tables and takes every leadership; the second one
    // starts once it is ready, as a standby.
    await Promise.all([
      rig.hub('eur').proc.start(120_000),
      ...[afr, platforms, liaisons].map(async ([first, second]) => {
        await first.start(120_000);
        await second.start(120_000);
      }),
    ]);
    balancer = await TcpBalancer.start(afr.map((s) => s.port));
  }, 420_000);

  afterAll(async () => {
    await Promise.all(watches.map((w) => w.stop()));
    await balancer?.stop();
    await Promise.all([...(afr ?? []), ...(platforms ?? []), ...(liaisons ?? [])].map((s) => stopWithin(s, 10_000)));
    await rig?.teardown();
    await cluster?.stop();
    await Promise.all([liaisonDb?.drop(), rebuildDb?.drop()]);
  }, 90_000);

  it('fails every leadership over to the other replica, with nothing lost, doubled or out of order', async () => {
    const stream = await rig.jsm.streams.info(JetStreamNames.eventsStream);
    expect(stream.config.num_replicas).toBe(3);
    const load = new HubLoad(
      [
        { region: 'afr', baseUrl: balancer.url },
        { region: 'eur', baseUrl: rig.hub('eur').proc.baseUrl },
      ],
      {
        prefix: 'rp',
        initiatives: 80,
        updates: 2,
        withdrawEvery: 10,
        concurrency: 6,
        deadlineMs: 90_000,
        pauseMs: 15,
      },
    );
    // What a regional system of afr sees: changes accepted through the balancer (its own, not eur's).
    const afrProgress = new StallWatch('afr writes', async () => ({
      progress: [...load.accepted.entries()]
        .filter(([id]) => id.startsWith('IP-HUB-AFR-'))
        .reduce((a, [, s]) => a + s.version + (s.withdrawn ? 1 : 0), 0),
      busy: load.finished.filter((id) => id.startsWith('IP-HUB-AFR-')).length < load.options.initiatives,
    }));
    // What the platform's shared consumer does: events decided, while some sent by the hubs wait for a decision.
    const platformProgress = new StallWatch(
      'platform applying',
      async () => {
        let sent = 0;
        for (const hub of rig.hubs) {
          const [{ n }] = await hub.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NOT NULL`,
          );
          sent += n;
        }
        const [{ n: decided }] = await rig.platformDb.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM inbox_events WHERE consumer = $1 AND outcome IS NOT NULL`,
          [DurableConsumers.platformHubs],
        );
        return { progress: decided, busy: decided < sent };
      },
      200,
    );

    watches.push(afrProgress, platformProgress);
    await rig.poison();
    // Two consumers read the hubs' subjects (the platform's and partner-liaison's): each dead-letters each poison
    // message once (checked per consumer below), so the rig expects twice as many dead letters.
    const poisonPerConsumer = rig.poisonSent;
    rig.poisonSent *= 2;
    const loadStarted = Date.now();
    const running = load.run();
    const failover: Record<string, number | undefined> = {};
    const restarts: Promise<void>[] = [];
    const restartFailures: string[] = [];

    /** SIGKILLs the replica holding `activeMsg`'s lock, measures the other's takeover, restarts the killed one. */
    const killLeader = async (
      service: string,
      replicas: ServiceProcess[],
      roles: Record<string, { msg: string; where?: (l: Record<string, unknown>) => boolean }>,
      leadingMsg: string,
    ) => {
      const leader = leaderOf(replicas, leadingMsg);
      expect({ service, leader: leader?.name }).toEqual({ service, leader: expect.any(String) });
      const others = replicas.filter((r) => r !== leader);
      // The roles the victim led: the other replica must take each of them over.
      const led = Object.entries(roles).filter(
        ([, r]) => r.msg === DETECTION_RUN || leaderOf(replicas, r.msg) === leader,
      );
      const killedAt = Date.now();
      await leader!.kill('SIGKILL');
      const measured = await Promise.all(
        led.map(async ([role, r]) => [role, await firstActAfter(others, r.msg, killedAt, 15_000, r.where)] as const),
      );
      for (const [role, ms] of measured) failover[`${service} ${role}`] = ms;
      // Awaited after the load; a failure is kept, so that it fails the test rather than go unhandled meanwhile.
      restarts.push(leader!.start(120_000).catch((err: Error) => void restartFailures.push(err.message.slice(0, 300))));
    };

    await load.reachedFraction(0.2);
    await killLeader('hub-afr', afr, { relay: { msg: RELAY_ACTIVE } }, RELAY_ACTIVE);
    await load.reachedFraction(0.45);
    await killLeader(
      'platform',
      platforms,
      {
        relay: { msg: RELAY_ACTIVE },
        // Detection has no standing leader: each run takes a transaction-scoped lock, so the first run of the other
        // replica after the kill is its takeover.
        detection: { msg: DETECTION_RUN, where: (l) => Number(l.queued) > 0 },
      },
      RELAY_ACTIVE,
    );
    await load.reachedFraction(0.7);
    await killLeader(
      'partner-liaison',
      liaisons,
      { relay: { msg: RELAY_ACTIVE }, 'outbound worker': { msg: OUTBOUND_ACTIVE } },
      OUTBOUND_ACTIVE,
    );
    await running;
    const loadMs = Date.now() - loadStarted;
    await Promise.all(restarts);
    expect(restartFailures).toEqual([]);
    const afrStallMs = await afrProgress.stop();

    const liaisonCaughtUp = async () => {
      for (const durable of [DurableConsumers.liaisonHubs, DurableConsumers.liaisonOverlaps]) {
        const c = await rig.jsm.consumers.info(JetStreamNames.eventsStream, durable);
        if (c.num_pending + c.num_ack_pending > 0) return false;
      }
      const [{ n }] = await liaisonDb.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL`,
      );
      return n === 0;
    };
    const caughtUp = await rig.waitCaughtUp(45_000, liaisonCaughtUp);
    const platformStallMs = await platformProgress.stop();
    const counts = await rig.verify(load, caughtUp);
    // Redeliveries at either platform replica.
    counts.redelivered = platforms
      .flatMap((p) => jsonLines(p))
      .filter((l) => l.msg === 'event handled' && Number(l.deliveryCount) > 1).length;
    printSummary('replicas', counts);
    console.log(
      `fault replicas: failover ${Object.entries(failover)
        .map(([role, ms]) => `${role} ${ms ?? 'none'} ms`)
        .join(
          ', ',
        )}; longest stall: afr writes ${afrStallMs} ms, platform applying ${platformStallMs} ms; load ${loadMs} ms`,
    );

    const letters: string[] = [];
    const dlq = await rig.jsm.streams.info(JetStreamNames.deadLetterStream);
    for (let seq = dlq.state.first_seq; seq > 0 && seq <= dlq.state.last_seq; seq++) {
      const m = await rig.jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq });
      if (m) letters.push(`${m.header.get(DeadLetterHeaders.consumer)} ${m.header.get(DeadLetterHeaders.reason)}`);
    }
    expect(letters.sort()).toEqual(
      [DurableConsumers.liaisonHubs, DurableConsumers.platformHubs]
        .flatMap((c) =>
          Array.from({ length: poisonPerConsumer / 2 }, () => [`${c} INVALID_ENVELOPE`, `${c} UNDECODABLE`]),
        )
        .flat()
        .sort(),
    );

    // Partner-liaison caught up too: its shared consumers drained, its outbox sent.
    expect(await liaisonCaughtUp()).toBe(true);

    // Both replicas of each service worked: afr's took writes through the balancer, the platform's and
    // partner-liaison's applied events from their shared consumers.
    const writes = (s: ServiceProcess) =>
      jsonLines(s).filter((l) => l.msg === 'http request' && l.method !== 'GET' && Number(l.status) < 300).length;
    const handled = (s: ServiceProcess, consumer: string) =>
      jsonLines(s).filter((l) => l.msg === 'event handled' && l.consumer === consumer).length;
    expect(afr.map(writes).every((n) => n > 0)).toBe(true);
    expect(platforms.map((p) => handled(p, DurableConsumers.platformHubs)).every((n) => n > 0)).toBe(true);
    expect(liaisons.map((p) => handled(p, DurableConsumers.liaisonHubs)).every((n) => n > 0)).toBe(true);

    // One initiative's versions applied in increasing order (an older one arriving late was ignored as stale), and
    // every event decided either way for a reason that says so.
    const outOfOrder = await rig.platformDb.query<{ initiative_id: string; version: number; prev: number }>(
      `SELECT initiative_id, version, prev FROM (
         SELECT initiative_id, version, lag(version) OVER (PARTITION BY initiative_id ORDER BY id) AS prev
           FROM registry_versions) v
        WHERE prev >= version LIMIT 10`,
    );
    expect(outOfOrder).toEqual([]);
    const outcomes = await rig.platformDb.query<{ outcome: string; reason: string | null; n: number }>(
      `SELECT outcome, reason, count(*)::int AS n FROM inbox_events
        WHERE consumer = $1 AND event_type LIKE 'ctp.initiative.%' GROUP BY 1, 2 ORDER BY 1, 2`,
      [DurableConsumers.platformHubs],
    );
    expect(
      outcomes.filter((o) => !(o.outcome === 'APPLIED' || (o.outcome === 'IGNORED' && o.reason === 'STALE_VERSION'))),
    ).toEqual([]);

    // Every leadership the killed replicas held was taken over, within the documented failover time; no stall
    // beyond the documented bound.
    expect(Object.keys(failover).sort()).toEqual(
      expect.arrayContaining([
        'hub-afr relay',
        'platform detection',
        'platform relay',
        'partner-liaison outbound worker',
      ]),
    );
    for (const [role, ms] of Object.entries(failover)) {
      expect({ role, ms }).toEqual({ role, ms: expect.any(Number) });
      expect({ role, ms: Math.min(ms!, LEADER_FAILOVER_MS) }).toEqual({ role, ms });
    }
    expect(afrStallMs).toBeLessThan(STALL_MS);
    expect(platformStallMs).toBeLessThan(STALL_MS);
    // Each lock held by exactly one session at the end (the restarted replicas are standbys; no lock was lost for good).
    for (const [db, lock] of [
      [rig.hub('afr').db, 'ctp-outbox-hub-afr'],
      [rig.platformDb, 'ctp-outbox-platform'],
      [liaisonDb, 'ctp-outbox-partner-liaison'],
      [liaisonDb, 'ctp-liaison-outbound-worker'],
    ] as const) {
      const [{ holders }] = await db.query<{ holders: number }>(
        `SELECT count(*)::int AS holders FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND ((classid::bigint << 32) | objid::bigint) = hashtext($1)::bigint`,
        [lock],
      );
      expect({ lock, holders }).toEqual({ lock, holders: 1 });
    }

    // Rollups equal to a rebuild: the stream replayed into a fresh read model, compared record by record, and the
    // rollups both live replicas serve equal to the ones counted from the rebuilt read model.
    rebuildDb = ScenarioDatabase.fresh('replicas_rebuild');
    const rebuildStarted = Date.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'dist/scripts/platform-rebuild.js'), '--database', rebuildDb.name, '--keep', '--timeout', '60s'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          NATS_URL: rig.natsUrl,
          DATABASE_URL: rig.platformDb.url,
          // The rebuild creates consumers of its own: as admin, as an operator would run it.
          ...cluster.env('admin'),
        },
        timeout: 90_000,
      },
    );
    const result = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; live?: { hash: string }; rebuilt?: { hash: string } })
      .find((l) => l.live);
    expect(result?.msg).toBe('rebuild matches the live read model');
    const counted = async (db: ScenarioDatabase) =>
      db.query<{ region: string; primary_stream: string; status: string; reported: number; deduplicated: number }>(
        `SELECT f.region, f.primary_stream, f.status, count(*)::int AS reported,
                (count(*) FILTER (WHERE c.cluster_id IS NULL OR c.cluster_id = f.initiative_id))::int AS deduplicated
           FROM rollup_facts f LEFT JOIN registry_clusters c ON c.initiative_id = f.initiative_id
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
    const rebuilt = await counted(rebuildDb);
    expect(await counted(rig.platformDb)).toEqual(rebuilt);
    const total = (rows: { reported: number; deduplicated: number }[]) => ({
      reported: rows.reduce((a, r) => a + r.reported, 0),
      deduplicated: rows.reduce((a, r) => a + r.deduplicated, 0),
    });
    for (const p of platforms) {
      const res = await fetch(`${p.baseUrl}/rollups`, { headers: await as.operator() });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { totals: unknown }).totals).toEqual(total(rebuilt));
    }
    console.log(`fault replicas: rollups equal to a rebuild's (rebuild ${Date.now() - rebuildStarted} ms)`);
  }, 420_000);
});
