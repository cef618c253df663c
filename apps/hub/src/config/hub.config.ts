import { HUB_REGIONS, HubRegion, hubOrgRef, EventSources } from '@ctp/contracts';
import { readServiceConfig, ServiceConfig } from '@ctp/http';
import { EnvReader } from '@ctp/observability';
import { DEFAULT_POOL_SIZE, POOL_HEADROOM } from '@ctp/persistence';

export const DEFAULT_HUB_PORTS: Record<HubRegion, number> = { afr: 3101, mde: 3102, asi: 3103, eur: 3104 };

export interface HubConfig extends ServiceConfig {
  region: HubRegion;
  orgRef: string;
  source: string;
  /** How often the hub looks whether to publish a digest of its records for reconciliation. */
  reconcileIntervalMs: number;
  /** A digest is published at least this often even when nothing changed. */
  reconcileHeartbeatMs: number;
  /** After a commit wakes the outbox relay, it waits this long so that commits arriving together leave in one round. */
  outboxLingerMs: number;
  /**
   * NATS intake requests worked on at once (each holds at most one database connection): at most the pool's size less
   * its headroom, so that a burst never takes the connections HTTP and the readiness check need.
   */
  intakeMaxConcurrent: number;
  /** Intake requests waiting for their turn, first come first served; beyond it a request is answered 503 at once. */
  intakeQueueMax: number;
  /** How long a request may wait for its turn before it is answered 503 (retry later). */
  intakeQueueWaitMs: number;
}

/** The only place the hub reads process.env. */
export function loadHubConfig(env: NodeJS.ProcessEnv = process.env, options: { serveHttp?: boolean } = {}): HubConfig {
  const r = new EnvReader(env);
  const region = r.oneOf('HUB_REGION', HUB_REGIONS);
  const config: HubConfig = {
    region,
    orgRef: hubOrgRef(region),
    source: EventSources.hub(region),
    ...readServiceConfig(r, env, {
      service: `hub-${region}`,
      defaultPort: DEFAULT_HUB_PORTS[region],
      database: `ctp_hub_${region}`,
      serveHttp: options.serveHttp,
    }),
    reconcileIntervalMs: r.int('RECONCILE_INTERVAL_MS', 60_000, 100, 86_400_000),
    reconcileHeartbeatMs: r.int('RECONCILE_HEARTBEAT_MS', 15 * 60_000, 100, 86_400_000),
    outboxLingerMs: r.int('OUTBOX_LINGER_MS', 10, 0, 1000),
    // A value set for the old limit (it was up to 10,000, default 32) is lowered to what the pool can serve, not refused:
    // the hub must keep connections for HTTP, the relay and readiness. The listening line says what is in use.
    intakeMaxConcurrent: Math.min(r.int('INTAKE_MAX_CONCURRENT', 4, 1, 10_000), DEFAULT_POOL_SIZE - POOL_HEADROOM),
    intakeQueueMax: r.int('INTAKE_QUEUE_MAX', 1000, 0, 100_000),
    intakeQueueWaitMs: r.int('INTAKE_QUEUE_WAIT_MS', 10_000, 1, 600_000),
  };
  r.done('hub');
  return config;
}

export const HUB_CONFIG = Symbol('HUB_CONFIG');
