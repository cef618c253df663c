import { Injectable } from '@nestjs/common';
import { maxOf, sumOf } from '../domain/prometheus-text';

/** What one service of the deployment answered. */
export interface ServiceReading {
  name: string;
  url: string;
  /** Its /health/ready answered at all. */
  reachable: boolean;
  ready: boolean;
  outboxBacklog?: number;
  oldestUnsentAgeSeconds?: number;
  /** Why it is unreachable or not ready. */
  error?: string;
  /** Why its metrics could not be read (its health could). */
  metricsError?: string;
}

/** How long each question to a service may take: the operations page must not wait for a stopped one. */
export const SERVICE_TIMEOUT_MS = 1500;

/** The metrics read from a service: its outbox rows not yet accepted by the broker, and the oldest one's age. */
const OUTBOX_BACKLOG = 'ctp_outbox_backlog';
const OLDEST_UNSENT_AGE = 'ctp_outbox_oldest_unsent_age_seconds';

/**
 * The other services of the deployment (CONSOLE_SERVICES), asked in parallel with short timeouts: GET /health/ready
 * (open) for readiness, GET /metrics with the caller's own bearer token (every service trusts the same issuer and
 * audience, and asks for ops:read) for the outbox. Only the configured URLs are ever asked, and no redirect is
 * followed; outside development they are https:// (`parseConsoleServices` refuses http:// but on loopback), so the
 * token never crosses the network in clear text.
 */
@Injectable()
export class ServiceHealthReadModel {
  async read(
    services: readonly { name: string; url: string }[],
    authorization: string | undefined,
  ): Promise<ServiceReading[]> {
    return Promise.all(services.map((s) => this.readOne(s, authorization)));
  }

  private async readOne(s: { name: string; url: string }, authorization: string | undefined): Promise<ServiceReading> {
    const [health, metrics] = await Promise.allSettled([
      fetch(`${s.url}/health/ready`, { signal: AbortSignal.timeout(SERVICE_TIMEOUT_MS), redirect: 'manual' }),
      fetch(`${s.url}/metrics`, {
        signal: AbortSignal.timeout(SERVICE_TIMEOUT_MS),
        redirect: 'manual',
        headers: authorization ? { authorization } : {},
      }).then(async (res) => {
        if (res.ok) return { status: res.status, text: await res.text() };
        void res.body?.cancel();
        return { status: res.status, text: '' };
      }),
    ]);
    if (health.status === 'rejected') {
      return { name: s.name, url: s.url, reachable: false, ready: false, error: describe(health.reason) };
    }
    void health.value.body?.cancel();
    const ready = health.value.status === 200;
    const out: ServiceReading = { name: s.name, url: s.url, reachable: true, ready };
    if (!ready) out.error = `GET /health/ready answered ${health.value.status}`;
    if (metrics.status === 'rejected') out.metricsError = describe(metrics.reason);
    else if (metrics.value.status !== 200) out.metricsError = `GET /metrics answered ${metrics.value.status}`;
    else {
      const backlog = sumOf(metrics.value.text, OUTBOX_BACKLOG);
      const age = maxOf(metrics.value.text, OLDEST_UNSENT_AGE);
      if (backlog !== undefined) out.outboxBacklog = backlog;
      if (age !== undefined) out.oldestUnsentAgeSeconds = age;
    }
    return out;
  }
}

/** Why a request failed, in a few words (never a stack). */
function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${SERVICE_TIMEOUT_MS} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `unreachable: ${cause}` : `unreachable: ${e?.message ?? String(err)}`;
}
