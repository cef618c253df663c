import { readServiceConfig, ServiceConfig } from '@ctp/http';
import { EnvReader } from '@ctp/observability';

export interface PlatformConfig extends ServiceConfig {
  /** Most events applied in one transaction. */
  maxBatch: number;
  /** How long the broker waits for an ack before redelivering (a crashed consumer's messages come back after it). */
  ackWaitMs: number;
  /** Deliveries before a failing event is dead-lettered. */
  maxDeliver: number;
  /** Wait up to this long for more messages before applying a small batch (fewer statements per event). */
  lingerMs: number;
  /** Batches of one consumer applied at the same time under a backlog (different initiatives in each). */
  concurrentBatches: number;
  /** Wait this long after a change before publishing the rollup, so a burst gives one rollup event. */
  rollupDebounceMs: number;
  /** Most queued records one detection run compares (one transaction). */
  detectionMaxBatch: number;
  /** The detection worker also looks at its queue this often (work queued by another instance, or left by a crash). */
  detectionPollMs: number;
  /** At least this long between two detection runs, so a trickle of changes is compared in batches, not one by one. */
  detectionIntervalMs: number;
  /** While the consumer has events waiting, a detection run waits up to this long for it (applying comes first). */
  detectionDeferMs: number;
  /** Match candidates kept in memory between detection runs (0: none; each is rebuilt from its snapshot). */
  detectionCacheSize: number;
  /** Most candidates one changed record is compared with; a record with more is flagged (detection_capped). */
  detectionMaxCandidates: number;
  /** The matching model in use is read again from `matching_models` this often (an applied model is in use within it). */
  matchingModelRefreshMs: number;
}

/** The only place the platform reads process.env. */
export function loadPlatformConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { serveHttp?: boolean } = {},
): PlatformConfig {
  const r = new EnvReader(env);
  const config: PlatformConfig = {
    ...readServiceConfig(r, env, {
      service: 'platform',
      defaultPort: 3000,
      database: 'ctp_platform',
      serveHttp: options.serveHttp,
    }),
    maxBatch: r.int('CONSUMER_MAX_BATCH', 500, 1, 5000),
    ackWaitMs: r.int('CONSUMER_ACK_WAIT_MS', 30_000, 1000, 3_600_000),
    maxDeliver: r.int('CONSUMER_MAX_DELIVER', 5, 1, 1000),
    lingerMs: r.int('CONSUMER_LINGER_MS', 5, 0, 1000),
    concurrentBatches: r.int('CONSUMER_CONCURRENT_BATCHES', 2, 1, 8),
    rollupDebounceMs: r.int('ROLLUP_DEBOUNCE_MS', 1000, 10, 600_000),
    detectionMaxBatch: r.int('DETECTION_MAX_BATCH', 2000, 1, 50_000),
    detectionPollMs: r.int('DETECTION_POLL_MS', 2000, 50, 600_000),
    detectionIntervalMs: r.int('DETECTION_INTERVAL_MS', 200, 0, 60_000),
    detectionDeferMs: r.int('DETECTION_DEFER_MS', 3000, 0, 60_000),
    detectionCacheSize: r.int('DETECTION_CACHE_SIZE', 50_000, 0, 5_000_000),
    detectionMaxCandidates: r.int('DETECTION_MAX_CANDIDATES', 1000, 1, 100_000),
    matchingModelRefreshMs: r.int('MATCHING_MODEL_REFRESH_MS', 30_000, 100, 600_000),
  };
  r.done('platform');
  return config;
}

export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
