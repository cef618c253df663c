import { randomUUID } from 'node:crypto';
import { jetstreamManager, JetStreamClient, jetstream, JetStreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { EventSources, HubRegion, JetStreamNames, Subjects, InitiativeEventType } from '@ctp/contracts';
import { DEFAULT_TOPOLOGY, DeadLetterHeaders, ensureStreams, NatsIdentity, StreamTopology } from '@ctp/messaging';
import { provisionJetStream } from '../../../scripts/nats-provision';
import { as } from '../../support/auth';
import { freePort, TestNatsServer } from '../../support/nats-server';
import { ServiceProcess } from '../../support/services';
import { HubLoad } from './load';
import { ScenarioDatabase } from './scenario-db';

export interface RigHub {
  region: HubRegion;
  source: string;
  proc: ServiceProcess;
  db: ScenarioDatabase;
}

export interface RigOptions {
  /** The scenario's name: in database, log file and summary names. */
  name: string;
  regions?: HubRegion[];
  hubEnv?: Record<string, string>;
  platformEnv?: Record<string, string>;
  /** A NATS cluster the scenario started itself; otherwise the rig starts a private nats-server. */
  natsUrls?: string[];
  /**
   * The identities of that cluster: the rig then connects as admin and provisions streams and consumers, and each
   * service connects as itself (hub-<region>, platform), as in a secured deployment.
   */
  natsIdentities?: {
    connectAs(identity: NatsIdentity, name: string): Promise<NatsConnection>;
    env(identity: NatsIdentity): Record<string, string>;
  };
  /** A PostgreSQL server the scenario started itself; otherwise the shared one. */
  pgAdminUrl?: string;
  /** Streams created by the rig before any service starts (the services leave an existing stream alone). */
  topology?: Partial<StreamTopology>;
}

/** What the scenario sees at one moment: everything must be zero / empty once it has caught up. */
export interface Observation {
  /** Outbox rows not yet accepted by the broker, per service database. */
  unsent: Record<string, number>;
  /** Hub outbox events with no decision at the platform. */
  undecided: string[];
  /** Initiatives whose platform copy differs from the hub's (missing, other version, other withdrawn state). */
  registryMismatches: string[];
  /** pending + ackPending per platform consumer, from GET /sync (undefined: could not ask). */
  lag?: Record<string, number>;
}

export interface FaultCounts {
  sent: number;
  applied: number;
  redelivered: number;
  deadLettered: number;
  caughtUpMs: number;
}

const PLATFORM_HUB_CONSUMER = 'platform-hubs';
const PLATFORM_ACK_WAIT_MS = 3000;

/**
 * One scenario's world: its own nats-server (or cluster), fresh databases, hubs and the platform as real processes,
 * and the checks of the invariants that must hold whatever fault was injected.
 */
export class FaultRig {
  poisonSent = 0;

  private constructor(
    readonly name: string,
    readonly natsUrl: string,
    readonly nats: TestNatsServer | undefined,
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly hubs: RigHub[],
    readonly platform: ServiceProcess,
    readonly platformDb: ScenarioDatabase,
  ) {}

  static async create(options: RigOptions): Promise<FaultRig> {
    const nats = options.natsUrls ? undefined : await TestNatsServer.start();
    const natsUrl = options.natsUrls ? options.natsUrls.join(',') : nats!.url;
    const ids = options.natsIdentities;
    const nc = ids
      ? await ids.connectAs('admin', `fault-rig-${options.name}`)
      : await connect({
          servers: natsUrl.split(','),
          name: `fault-rig-${options.name}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
        });
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const replicas = Number(options.hubEnv?.NATS_STREAM_REPLICAS ?? 1);
    await ensureStreams(jsm, { ...DEFAULT_TOPOLOGY, replicas, ...options.topology });
    // Service identities may not create consumers: the administrator does, as `npm run nats:provision` would.
    if (ids) await provisionJetStream(jsm, { replicas, platformAckWaitMs: PLATFORM_ACK_WAIT_MS });
    const hubs: RigHub[] = [];
    for (const region of options.regions ?? ['afr', 'eur']) {
      const db = ScenarioDatabase.fresh(`${options.name.replace(/\W/g, '_')}_${region}`, options.pgAdminUrl);
      const proc = new ServiceProcess(
        'hub',
        {
          HUB_REGION: region,
          PORT: String(await freePort()),
          NATS_URL: natsUrl,
          DATABASE_URL: db.url,
          ...ids?.env(`hub-${region}`),
          ...options.hubEnv,
        },
        `fault-${options.name}-hub-${region}`,
      );
      hubs.push({ region, source: EventSources.hub(region), proc, db });
    }
    const platformDb = ScenarioDatabase.fresh(`${options.name.replace(/\W/g, '_')}_platform`, options.pgAdminUrl);
    const platform = new ServiceProcess(
      'platform',
      {
        PORT: String(await freePort()),
        NATS_URL: natsUrl,
        DATABASE_URL: platformDb.url,
        // Messages held by a killed or cut-off consumer come back after ack_wait: keep scenarios short.
        CONSUMER_ACK_WAIT_MS: String(PLATFORM_ACK_WAIT_MS),
        ...ids?.env('platform'),
        ...options.platformEnv,
      },
      `fault-${options.name}-platform`,
    );
    return new FaultRig(options.name, natsUrl, nats, nc, jetstream(nc), jsm, hubs, platform, platformDb);
  }

  get services(): ServiceProcess[] {
    return [...this.hubs.map((h) => h.proc), this.platform];
  }

  hub(region: HubRegion): RigHub {
    return this.hubs.find((h) => h.region === region)!;
  }

  async startAll(services: ServiceProcess[] = this.services): Promise<void> {
    await Promise.all(services.map((s) => s.start(45_000)));
  }

  /**
   * Two poison messages on a hub's subject, among the real events: one not JSON at all, one JSON without a valid
   * envelope. Each must be dead-lettered once, and nothing behind it may wait.
   */
  async poison(region: HubRegion = this.hubs[0].region): Promise<void> {
    const subject = Subjects.hubInitiative(region, InitiativeEventType.Reported);
    await this.js.publish(subject, '{"this is": not json', { msgID: `poison-${randomUUID()}` });
    await this.js.publish(subject, JSON.stringify({ specversion: '1.0', type: 'ctp.initiative.reported.v1' }), {
      msgID: `poison-${randomUUID()}`,
    });
    this.poisonSent += 2;
  }

  /** The JSON lines of every run of the platform so far (a line cut short by SIGKILL is skipped). */
  platformLines(): Record<string, unknown>[] {
    return jsonLines(this.platform);
  }

  redeliveredLines(): Record<string, unknown>[] {
    return this.platformLines().filter((l) => l.msg === 'event handled' && Number(l.deliveryCount) > 1);
  }

  async observe(): Promise<Observation> {
    const unsent: Record<string, number> = {};
    const undecided: string[] = [];
    const registryMismatches: string[] = [];
    const platformRows = await this.platformDb.query<{ initiative_id: string; version: number; withdrawn: boolean }>(
      `SELECT initiative_id, version, withdrawn FROM registry_initiatives`,
    );
    const platformState = new Map(platformRows.map((r) => [r.initiative_id, r]));
    for (const hub of this.hubs) {
      const outbox = await hub.db.query<{ event_id: string; sent: boolean }>(
        `SELECT event_id, sent_at IS NOT NULL AS sent FROM outbox_events`,
      );
      unsent[hub.proc.name] = outbox.filter((r) => !r.sent).length;
      const decided = new Set(
        (
          await this.platformDb.query<{ event_id: string }>(
            `SELECT event_id FROM inbox_events WHERE consumer = $1 AND source = $2 AND outcome IS NOT NULL`,
            [PLATFORM_HUB_CONSUMER, hub.source],
          )
        ).map((r) => r.event_id),
      );
      for (const r of outbox) if (!decided.has(r.event_id)) undecided.push(`${hub.region}:${r.event_id}`);
      const hubRows = await hub.db.query<{ initiative_id: string; version: number; withdrawn: boolean }>(
        `SELECT initiative_id, version, withdrawn FROM initiatives`,
      );
      for (const h of hubRows) {
        const p = platformState.get(h.initiative_id);
        if (!p || p.version !== h.version || p.withdrawn !== h.withdrawn) {
          registryMismatches.push(
            `${h.initiative_id}: hub v${h.version}${h.withdrawn ? ' withdrawn' : ''}, platform ${
              p ? `v${p.version}${p.withdrawn ? ' withdrawn' : ''}` : 'missing'
            }`,
          );
        }
        platformState.delete(h.initiative_id);
      }
    }
    for (const [id, p] of platformState) registryMismatches.push(`${id}: platform v${p.version}, not at any hub`);
    const [{ n }] = await this.platformDb.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL`,
    );
    unsent[this.platform.name] = n;
    let lag: Record<string, number> | undefined;
    try {
      const res = await fetch(`${this.platform.baseUrl}/sync`, {
        headers: await as.operator(),
        signal: AbortSignal.timeout(5000),
      });
      const view = (await res.json()) as { consumers: Record<string, { pending: number; ackPending: number }> };
      if (res.ok && Object.keys(view.consumers).length > 0) {
        lag = Object.fromEntries(Object.entries(view.consumers).map(([k, v]) => [k, v.pending + v.ackPending]));
      }
    } catch {
      // The platform is down or its broker unreachable: not caught up.
    }
    return { unsent, undecided, registryMismatches, lag };
  }

  static caughtUp(o: Observation): boolean {
    return (
      Object.values(o.unsent).every((n) => n === 0) &&
      o.undecided.length === 0 &&
      o.registryMismatches.length === 0 &&
      o.lag !== undefined &&
      Object.values(o.lag).every((n) => n === 0)
    );
  }

  /**
   * Waits (bounded) until nothing is left to do anywhere; returns how long it took and the last observation, which
   * the caller asserts on whether or not it caught up, so that a failure says what is stuck.
   */
  async waitCaughtUp(timeoutMs = 60_000, extra?: () => Promise<boolean>): Promise<{ ms: number; last: Observation }> {
    const started = Date.now();
    let last: Observation = { unsent: {}, undecided: ['not observed yet'], registryMismatches: [] };
    while (Date.now() - started < timeoutMs) {
      try {
        last = await this.observe();
        if (FaultRig.caughtUp(last) && (!extra || (await extra()))) return { ms: Date.now() - started, last };
      } catch (err) {
        last = { ...last, undecided: [`could not observe: ${(err as Error).message}`] };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return { ms: Date.now() - started, last };
  }

  async deadLetters(): Promise<{ reason: string; subject: string }[]> {
    const info = await this.jsm.streams.info(JetStreamNames.deadLetterStream);
    const out: { reason: string; subject: string }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
      const m = await this.jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq }).catch(() => null);
      if (m) {
        out.push({
          reason: m.header.get(DeadLetterHeaders.reason),
          subject: m.header.get(DeadLetterHeaders.originalSubject),
        });
      }
    }
    return out;
  }

  /**
   * The invariants, asserted one by one so that a failure names what broke. Call after waitCaughtUp.
   */
  async verify(load: HubLoad, caughtUp: { ms: number; last: Observation }): Promise<FaultCounts> {
    const o = caughtUp.last;
    // Consumer lag back to zero, and nothing left unsent in any outbox.
    expect({ lag: o.lag, unsent: o.unsent }).toEqual({
      lag: Object.fromEntries(Object.keys(o.lag ?? { [PLATFORM_HUB_CONSUMER]: 1 }).map((k) => [k, 0])),
      unsent: Object.fromEntries(Object.keys(o.unsent).map((k) => [k, 0])),
    });
    // No accepted change lost: every hub event was decided at the platform, and the registry equals the hubs.
    expect({ undecided: o.undecided.length, first: o.undecided.slice(0, 10) }).toEqual({ undecided: 0, first: [] });
    expect({ mismatches: o.registryMismatches.length, first: o.registryMismatches.slice(0, 10) }).toEqual({
      mismatches: 0,
      first: [],
    });
    // Every change a hub answered 2xx for is at the hub (and so, by the check above, on the platform).
    const lost: string[] = [];
    for (const hub of this.hubs) {
      const rows = await hub.db.query<{ initiative_id: string; version: number; withdrawn: boolean }>(
        `SELECT initiative_id, version, withdrawn FROM initiatives`,
      );
      const at = new Map(rows.map((r) => [r.initiative_id, r]));
      for (const [id, a] of load.accepted) {
        if (!id.startsWith(`IP-HUB-${hub.region.toUpperCase()}-`)) continue;
        const h = at.get(id);
        if (!h || h.version < a.version || (a.withdrawn && !h.withdrawn)) lost.push(`${id} v${a.version}`);
      }
    }
    expect(lost).toEqual([]);
    // No effect applied twice: one history row per applied event.
    const twice = await this.platformDb.query<{ event_id: string; n: number }>(
      `SELECT event_id, count(*)::int AS n FROM registry_versions GROUP BY event_id HAVING count(*) > 1 LIMIT 10`,
    );
    expect(twice).toEqual([]);
    const [history] = await this.platformDb.query<{ rows: number; applied: number }>(
      `SELECT (SELECT count(*)::int FROM registry_versions) AS rows,
              (SELECT count(*)::int FROM inbox_events i WHERE outcome = 'APPLIED'
                 AND event_type LIKE 'ctp.initiative.%') AS applied`,
    );
    expect(history.rows).toBe(history.applied);
    // A poison message does not block the others: each was dead-lettered once, for what it is, and nothing else was.
    const letters = await this.deadLetters();
    expect(letters.map((l) => l.reason).sort()).toEqual(
      Array.from({ length: this.poisonSent / 2 }, () => ['INVALID_ENVELOPE', 'UNDECODABLE'])
        .flat()
        .sort(),
    );

    let sent = 0;
    for (const hub of this.hubs) {
      const [{ n }] = await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events`);
      sent += n;
    }
    const [{ applied }] = await this.platformDb.query<{ applied: number }>(
      `SELECT count(*)::int AS applied FROM inbox_events WHERE consumer = $1 AND outcome = 'APPLIED'`,
      [PLATFORM_HUB_CONSUMER],
    );
    return {
      sent,
      applied,
      redelivered: this.redeliveredLines().length,
      deadLettered: letters.length,
      caughtUpMs: caughtUp.ms,
    };
  }

  async teardown(): Promise<void> {
    await Promise.all(this.services.map((s) => stopWithin(s, 10_000)));
    await this.nc.close().catch(() => undefined);
    await this.nats?.stop();
    await Promise.all([...this.hubs.map((h) => h.db.drop()), this.platformDb.drop()]);
  }
}

/** SIGTERM, then SIGKILL if the service has not exited after `ms`. */
export async function stopWithin(service: ServiceProcess, ms: number): Promise<void> {
  const timer = setTimeout(() => void service.kill('SIGKILL'), ms);
  try {
    await service.stop();
  } finally {
    clearTimeout(timer);
  }
}

export function jsonLines(service: ServiceProcess): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of service.logs().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // cut short by a SIGKILL
    }
  }
  return out;
}

/** The one summary line per scenario. */
export function printSummary(name: string, c: FaultCounts): void {
  console.log(
    `fault ${name}: sent ${c.sent}, applied ${c.applied}, redelivered ${c.redelivered}, dead-lettered ${c.deadLettered}, caught up in ${c.caughtUpMs} ms`,
  );
}
