import { HubRegion, hubOrgRef } from '@ctp/contracts';
import { as } from '../../support/auth';
import { HttpAnswer, initiativeBody } from '../../support/hub-fixtures';

/** Recipient countries per region: records of different hubs never share a country, so they are never compared. */
const COUNTRIES: Record<HubRegion, string[]> = {
  afr: ['KE', 'TZ'],
  mde: ['JO', 'LB'],
  asi: ['ID', 'PH'],
  eur: ['FR', 'BE'],
};

export interface LoadTarget {
  region: HubRegion;
  baseUrl: string;
}

export interface LoadOptions {
  /** Makes the local ids of one scenario unique. */
  prefix: string;
  /** Initiatives reported per hub. */
  initiatives: number;
  /** Updates (PUT with If-Match) of each initiative after its report. */
  updates: number;
  /** Every n-th initiative is withdrawn after its updates (0: none). */
  withdrawEvery: number;
  /** Initiatives worked on at once per hub. */
  concurrency: number;
  /** The whole load gives up (and fails the scenario) after this long. */
  deadlineMs: number;
  /** Pause between two requests of one worker, to spread the load over the fault (0: as fast as possible). */
  pauseMs?: number;
}

export interface AcceptedState {
  version: number;
  withdrawn: boolean;
}

class LoadGaveUp extends Error {}

/**
 * Regional systems reporting to the hubs over REST while faults are injected: each initiative is reported, updated and
 * maybe withdrawn, one request after the other. A request that fails (connection refused, reset, time-out, 5xx) is
 * retried until the deadline, the way a regional system would: a report with the same Idempotency-Key, an update
 * whose earlier attempt may have committed by reading the current version. Every change a hub answered 2xx for is
 * an accepted change, and must end up on the platform.
 */
export class HubLoad {
  /** The highest accepted version of each initiative, and whether it was accepted as withdrawn. */
  readonly accepted = new Map<string, AcceptedState>();
  /** Initiatives whose every change was accepted: nothing more will happen to them. */
  readonly finished: string[] = [];
  acceptedChanges = 0;
  /** Accepted changes per hub. */
  readonly acceptedAt: Partial<Record<HubRegion, number>> = {};
  failedAttempts = 0;
  private readonly waiters: { n: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  private deadline = 0;
  private failure?: Error;
  private running?: Promise<void>;

  constructor(
    readonly targets: LoadTarget[],
    readonly options: LoadOptions,
  ) {}

  /** Changes the load will make when it completes. */
  get plannedChanges(): number {
    const { initiatives, updates, withdrawEvery } = this.options;
    const withdrawals = withdrawEvery > 0 ? Math.floor(initiatives / withdrawEvery) : 0;
    return this.targets.length * (initiatives * (1 + updates) + withdrawals);
  }

  /** Resolves once this many changes were accepted (all hubs together). */
  reached(changes: number): Promise<void> {
    if (this.acceptedChanges >= changes) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ n: changes, resolve, reject }));
  }

  /**
   * Stops the load at its next request: a scenario that failed calls it before its processes go, so that nothing of
   * it runs on (retrying against ports the next scenario may reuse) and its end rejects nothing unhandled.
   */
  stop(): Promise<void> {
    this.failure ??= new Error('the load was stopped');
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    return (this.running ?? Promise.resolve()).then(
      () => undefined,
      () => undefined,
    );
  }

  /** Resolves once this fraction of the planned changes was accepted. */
  reachedFraction(fraction: number): Promise<void> {
    return this.reached(Math.ceil(this.plannedChanges * fraction));
  }

  run(): Promise<void> {
    this.running = this.runAll();
    return this.running;
  }

  private async runAll(): Promise<void> {
    this.deadline = Date.now() + this.options.deadlineMs;
    try {
      await Promise.all(this.targets.map((t) => this.runHub(t)));
    } catch (err) {
      this.failure ??= err as Error;
      for (const w of this.waiters.splice(0)) w.reject(this.failure);
      throw err;
    }
    // Whoever waits for more than the whole load would wait forever.
    for (const w of this.waiters.splice(0)) w.reject(new Error(`the load ended at ${this.acceptedChanges} changes`));
  }

  private async runHub(target: LoadTarget): Promise<void> {
    let next = 0;
    const worker = async () => {
      try {
        while (next < this.options.initiatives && !this.failure) await this.initiative(target, next++);
      } catch (err) {
        // The other workers stop at their next request rather than run on until the deadline.
        this.failure ??= err as Error;
        throw err;
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency }, worker));
  }

  private async initiative(target: LoadTarget, i: number): Promise<void> {
    const { prefix, updates, withdrawEvery } = this.options;
    const localId = `${prefix}-${i}`;
    const id = `${hubOrgRef(target.region)}-${localId}`;
    const content = (revision: number) =>
      initiativeBody({
        title: { lang: 'en', text: `Border screening course ${target.region} ${localId}` },
        titleAlt: [],
        recipientCountries: COUNTRIES[target.region],
        description: `revision ${revision}`,
      });

    let version = await this.attempt(
      `POST ${id}`,
      target,
      'POST',
      '/initiatives',
      { localId, ...content(0) },
      { 'Idempotency-Key': `fault-${localId}` },
      async (r) => (r.status === 201 ? (r.body.version as number) : undefined),
    );
    this.accept(id, version, false);

    for (let u = 1; u <= updates; u++) {
      const expected = version;
      version = await this.attempt(
        `PUT ${id}`,
        target,
        'PUT',
        `/initiatives/${encodeURIComponent(id)}`,
        content(u),
        { 'If-Match': `"${expected}"` },
        async (r) => {
          if (r.status === 200) return r.body.version as number;
          // An earlier attempt may have committed before the answer was lost: then the version moved on.
          if (r.status === 412) return this.currentVersion(target, id, (s) => s.version > expected);
          return undefined;
        },
      );
      this.accept(id, version, false);
    }

    if (withdrawEvery > 0 && i % withdrawEvery === withdrawEvery - 1) {
      version = await this.attempt(
        `withdraw ${id}`,
        target,
        'POST',
        `/initiatives/${encodeURIComponent(id)}/withdraw`,
        { reason: 'reported in error during a fault drill' },
        {},
        async (r) => {
          if (r.status === 200) return r.body.version as number;
          if (r.status === 409) return this.currentVersion(target, id, (s) => s.withdrawn);
          return undefined;
        },
      );
      this.accept(id, version, true);
    }
    this.finished.push(id);
  }

  private async currentVersion(
    target: LoadTarget,
    id: string,
    moved: (s: { version: number; withdrawn: boolean }) => boolean,
  ): Promise<number | undefined> {
    const g = await this.call(target, 'GET', `/initiatives/${encodeURIComponent(id)}`);
    if (g.status !== 200) return undefined;
    // A withdrawn snapshot carries its `withdrawal` (reason, when).
    const s = { version: g.body.version as number, withdrawn: Boolean(g.body.withdrawal) };
    return moved(s) ? s.version : undefined;
  }

  private accept(id: string, version: number, withdrawn: boolean): void {
    this.accepted.set(id, { version, withdrawn });
    this.acceptedChanges++;
    const region = this.targets.find((t) => id.startsWith(`${hubOrgRef(t.region)}-`))?.region;
    if (region) this.acceptedAt[region] = (this.acceptedAt[region] ?? 0) + 1;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.acceptedChanges >= this.waiters[i].n) this.waiters.splice(i, 1)[0].resolve();
    }
  }

  /** One request, retried until `interpret` gives a value or the load's deadline passes. */
  private async attempt(
    what: string,
    target: LoadTarget,
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    interpret: (r: HttpAnswer) => Promise<number | undefined> = async (r) =>
      r.status >= 200 && r.status < 300 ? (r.body.version as number) : undefined,
  ): Promise<number> {
    let last = '';
    for (let attempt = 1; Date.now() < this.deadline && !this.failure; attempt++) {
      if (this.options.pauseMs) await sleep(this.options.pauseMs);
      try {
        const r = await this.call(target, method, path, body, headers);
        const v = await interpret(r);
        if (v !== undefined) return v;
        last = `${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
        // A 4xx other than the ones interpreted above is a bug in the load or the hub, not a fault: stop at once.
        if (r.status >= 400 && r.status < 500 && r.status !== 412 && r.status !== 409) break;
      } catch (err) {
        last = (err as Error).message;
      }
      this.failedAttempts++;
      await sleep(Math.min(1000, 50 * attempt));
    }
    throw new LoadGaveUp(`${what} at ${target.region}: not accepted before the deadline; last answer: ${last}`);
  }

  private async call(
    target: LoadTarget,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    // Each request as the hub's own system: a hub accepts writes only from its own organisation.
    const res = await fetch(`${target.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(await as.hub(target.region)), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text: text.slice(0, 300) };
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
