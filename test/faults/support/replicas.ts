import { freePort } from '../../support/nats-server';
import { ServiceProcess } from '../../support/services';
import { jsonLines } from './rig';

/**
 * One more replica of a service: the same environment (database, NATS, settings) on a port of its own, its log in a
 * file of its own (`<name>-2`).
 */
export async function replicaOf(service: ServiceProcess, n = 2): Promise<ServiceProcess> {
  return new ServiceProcess(service.app, { ...service.env, PORT: String(await freePort()) }, `${service.name}-${n}`);
}

/** The time (ms since epoch) of every JSON log line of `service` whose `msg` is `msg` (and that matches `where`). */
export function lineTimes(
  service: ServiceProcess,
  msg: string,
  where: (line: Record<string, unknown>) => boolean = () => true,
): number[] {
  return jsonLines(service)
    .filter((l) => l.msg === msg && where(l))
    .map((l) => Date.parse(String(l.time)))
    .filter((t) => Number.isFinite(t));
}

/**
 * Which of `replicas` holds a leadership now: the one whose last "<role> active" line is the latest (each replica says
 * it once when it takes the lock; the others stay standby until it is released).
 */
export function leaderOf(replicas: ServiceProcess[], activeMsg: string): ServiceProcess | undefined {
  let best: { s: ServiceProcess; t: number } | undefined;
  for (const s of replicas) {
    const t = Math.max(-Infinity, ...lineTimes(s, activeMsg));
    if (Number.isFinite(t) && (!best || t > best.t)) best = { s, t };
  }
  return best?.s;
}

/**
 * Failover: from `killedAt` until the first line `msg` of another replica at or after it (its first act as the new
 * leader). Waits for it at most `timeoutMs` (log lines are flushed every 100 ms); undefined when none came.
 */
export async function firstActAfter(
  survivors: ServiceProcess[],
  msg: string,
  killedAt: number,
  timeoutMs: number,
  where?: (line: Record<string, unknown>) => boolean,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const after = survivors.flatMap((s) => lineTimes(s, msg, where)).filter((t) => t >= killedAt);
    if (after.length > 0) return Math.min(...after) - killedAt;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The longest time a counter did not move while there was work for it (`busy`): sampled every `everyMs` until
 * stopped. A stall is what a client or a consumer would have seen of a failover.
 */
export class StallWatch {
  longestMs = 0;
  samples = 0;
  errors = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    readonly name: string,
    probe: () => Promise<{ progress: number; busy: boolean }>,
    everyMs = 100,
  ) {
    this.done = (async () => {
      let last: number | undefined;
      let since = Date.now();
      while (!this.stopped) {
        try {
          const { progress, busy } = await probe();
          this.samples++;
          const now = Date.now();
          if (!busy || progress !== last) {
            last = progress;
            since = now;
          } else {
            this.longestMs = Math.max(this.longestMs, now - since);
          }
        } catch {
          // A database restarting, say: the stall continues.
          this.errors++;
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  async stop(): Promise<number> {
    this.stopped = true;
    await this.done;
    return this.longestMs;
  }
}
