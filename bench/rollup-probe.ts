/**
 * GET /rollups on a schedule, from a worker thread: the bench's main thread is busy publishing and polling during the
 * platform part, and a probe sharing its event loop would time that instead of the platform. One request every
 * `everyMs` at most, never two in flight (a slow answer delays the next one; it is not piled up behind it), cycling
 * through `ROLLUP_REQUESTS`. Each sample is the time from sending the request to the last byte of the answer.
 */
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parentPort, Worker, workerData } from 'node:worker_threads';

export const ROLLUP_REQUESTS = [
  { name: 'region,primaryActionStream,status JSON', path: '/rollups?groupBy=region,primaryActionStream,status' },
  { name: 'region,kind JSON', path: '/rollups?groupBy=region,kind' },
  {
    name: 'region,primaryActionStream,status CSV',
    path: '/rollups?groupBy=region,primaryActionStream,status',
    csv: true,
  },
] as const;

/** A GET the probe sends in turn: JSON (its body starts with `{`) or CSV (with a header starting `region,`). */
export interface ProbeRequest {
  name: string;
  path: string;
  csv?: boolean;
}

export interface RollupSample {
  /** Index into the probe's requests (ROLLUP_REQUESTS unless given others). */
  request: number;
  ms: number;
  ok: boolean;
  /** Status and the start of the body, when not ok. */
  problem?: string;
}

type Command = { cmd: 'idle'; count: number } | { cmd: 'start' } | { cmd: 'stop' };

interface ProbeData {
  port: number;
  everyMs: number;
  /** `Bearer …`: an analyst's token, as the dashboards reading rollups would send. */
  authorization: string;
  /** What to ask in turn; ROLLUP_REQUESTS when not given. */
  requests?: readonly ProbeRequest[];
}

/** The main thread's handle on the probe. */
export class RollupProbe {
  private constructor(private readonly worker: Worker) {}

  static async start(
    port: number,
    everyMs: number,
    authorization: string,
    requests?: readonly ProbeRequest[],
  ): Promise<RollupProbe> {
    const worker = new Worker(join(__dirname, 'rollup-probe.js'), {
      workerData: { port, everyMs, authorization, requests } as ProbeData,
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    return new RollupProbe(worker);
  }

  private ask(command: Command): Promise<RollupSample[]> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.worker.once('error', onError);
      this.worker.once('message', (samples: RollupSample[]) => {
        this.worker.off('error', onError);
        resolve(samples);
      });
      this.worker.postMessage(command);
    });
  }

  /** `count` requests on the schedule, answered once done: the rollups before anything is consumed. */
  idle(count: number): Promise<RollupSample[]> {
    return this.ask({ cmd: 'idle', count });
  }

  /** Starts the loop; `stop` ends it and answers with its samples. */
  begin(): Promise<RollupSample[]> {
    return this.ask({ cmd: 'start' });
  }

  stop(): void {
    this.worker.postMessage({ cmd: 'stop' } satisfies Command);
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

// ── Inside the worker ──

function get(
  agent: Agent,
  port: number,
  path: string,
  csv: boolean,
  authorization: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers: { accept: csv ? 'text/csv' : 'application/json', authorization },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer after 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

function runWorker(port: NonNullable<typeof parentPort>, data: ProbeData): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let next = 0;
  let stopping = false;

  const once = async (): Promise<RollupSample> => {
    const requests: readonly ProbeRequest[] = data.requests ?? ROLLUP_REQUESTS;
    const i = next++ % requests.length;
    const r = requests[i];
    const csv = r.csv === true;
    const t0 = performance.now();
    try {
      const res = await get(agent, data.port, r.path, csv, data.authorization);
      const ms = performance.now() - t0;
      const ok = res.status === 200 && (csv ? res.body.startsWith('region,') : res.body.startsWith('{'));
      return ok ? { request: i, ms, ok } : { request: i, ms, ok, problem: `${res.status} ${res.body.slice(0, 200)}` };
    } catch (err) {
      return { request: i, ms: performance.now() - t0, ok: false, problem: (err as Error).message };
    }
  };
  const loop = async (until: (n: number) => boolean): Promise<RollupSample[]> => {
    const samples: RollupSample[] = [];
    while (!until(samples.length)) {
      const started = performance.now();
      samples.push(await once());
      const wait = data.everyMs - (performance.now() - started);
      if (wait > 0 && !until(samples.length)) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return samples;
  };

  port.on('message', (command: Command) => {
    if (command.cmd === 'idle') {
      void loop((n) => n >= command.count).then((s) => port.postMessage(s));
    } else if (command.cmd === 'start') {
      stopping = false;
      void loop(() => stopping).then((s) => port.postMessage(s));
    } else {
      stopping = true;
    }
  });
}

if (parentPort && (workerData as ProbeData | undefined)?.port) runWorker(parentPort, workerData as ProbeData);
