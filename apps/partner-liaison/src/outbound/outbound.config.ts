import { EnvReader } from '@ctp/observability';

/** How partner-liaison delivers to partners: webhook retries, timeouts, the feeds' background reconciliation. */
export interface OutboundConfig {
  webhook: {
    /** First retry delay; each later one doubles it (±10 % jitter), up to `retryMaxMs`. */
    retryBaseMs: number;
    retryMaxMs: number;
    /** After this many failed attempts a delivery is DEAD (an operator can re-send it). */
    maxAttempts: number;
    /** A receiver that has not answered within this long has failed the attempt. */
    timeoutMs: number;
    /** Fallback poll for deliveries written by another process or whose retry time has come. */
    pollIntervalMs: number;
    /** Partners whose deliveries are attempted at the same time (each partner's own stay one at a time, in order). */
    concurrency: number;
  };
  /** How often every partner's feed is checked for what it is missing (a partner added, or given a region, later). */
  reconcileIntervalMs: number;
  /** How long a notice waits for the other INTERPOL record to reach partner-liaison before it is sent without it. */
  noticeWaitMs: number;
}

export const OUTBOUND_CONFIG = Symbol('OUTBOUND_CONFIG');

/** Reads the outbound feature's settings (documented in docs/partner-feeds.md); every problem is reported at once. */
export function loadOutboundConfig(env: NodeJS.ProcessEnv = process.env): OutboundConfig {
  const r = new EnvReader(env);
  const retryBaseMs = r.int('WEBHOOK_RETRY_BASE_MS', 1000, 1, 3_600_000);
  const config: OutboundConfig = {
    webhook: {
      retryBaseMs,
      retryMaxMs: r.int('WEBHOOK_RETRY_MAX_MS', 300_000, 1, 86_400_000),
      maxAttempts: r.int('WEBHOOK_MAX_ATTEMPTS', 8, 1, 100),
      timeoutMs: r.int('WEBHOOK_TIMEOUT_MS', 5000, 100, 120_000),
      pollIntervalMs: r.int('WEBHOOK_POLL_INTERVAL_MS', 1000, 10, 60_000),
      concurrency: r.int('WEBHOOK_CONCURRENCY', 8, 1, 256),
    },
    reconcileIntervalMs: r.int('FEED_RECONCILE_INTERVAL_MS', 30_000, 100, 86_400_000),
    noticeWaitMs: r.int('NOTICE_WAIT_MS', 300_000, 0, 86_400_000),
  };
  if (config.webhook.retryMaxMs < retryBaseMs) {
    r.problems.push(
      `WEBHOOK_RETRY_MAX_MS (${config.webhook.retryMaxMs}) must not be below WEBHOOK_RETRY_BASE_MS (${retryBaseMs})`,
    );
  }
  r.done('partner-liaison (outbound)');
  return config;
}
