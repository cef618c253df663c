import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { OutboxRow } from './payloads';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with `what` after `ms`; the promise itself is left to finish or fail on its own. */
export async function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Peak resident set size (VmHWM) of a live process, in MiB; undefined if it is gone. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

export interface LatencyStats {
  measured: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function latencyStats(values: number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    measured: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1)),
  };
}

export async function connectPg(url: string, applicationName: string): Promise<Client> {
  const c = new Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: 5000 });
  await c.connect();
  return c;
}

export async function queryOnce<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = await connectPg(url, 'bench');
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/**
 * Inserts each group of rows into `outbox_events` in one transaction per group (one connection each, opened and
 * warmed before), all groups at the same time, as fast as possible. Returns the `performance.now()` at which the
 * first COMMIT returned: the relays may start on a group as soon as it has committed.
 */
export async function bulkInsertOutbox(
  targets: { url: string; rows: OutboxRow[]; subject?: (r: OutboxRow) => string }[],
): Promise<{ firstCommitAt: number; lastCommitAt: number }> {
  const clients = await Promise.all(targets.map((t) => connectPg(t.url, 'bench-bulk-insert')));
  try {
    const params = targets.map((t) => [
      t.rows.map((r) => r.eventId),
      t.rows.map((r) => (t.subject ? t.subject(r) : r.subject)),
      t.rows.map((r) => r.payload),
      t.rows.map((r) => r.correlationId),
    ]);
    await Promise.all(clients.map((c) => c.query('SELECT 1')));
    const commits = await Promise.all(
      clients.map(async (c, i) => {
        await c.query('BEGIN');
        await c.query(
          `INSERT INTO outbox_events (event_id, subject, payload, correlation_id)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
          params[i],
        );
        await c.query('COMMIT');
        return performance.now();
      }),
    );
    return { firstCommitAt: Math.min(...commits), lastCommitAt: Math.max(...commits) };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/**
 * Polls `countSql` (one number, column `n`) until it reaches `target`, every `everyMs` near the end (see below). Fails after `timeoutMs`, or
 * earlier when the count has not moved for `stallMs`, saying how far it got.
 */
export async function waitForCount(
  what: string,
  client: Client,
  countSql: string,
  target: number,
  opts: { everyMs: number; timeoutMs: number; stallMs: number },
): Promise<{ reachedAt: number; polls: number }> {
  const started = performance.now();
  let last = -1;
  let lastChange = started;
  let polls = 0;
  let previous: { n: number; at: number } | undefined;
  for (;;) {
    const [{ n }] = (await client.query(countSql)).rows as { n: number }[];
    polls++;
    const now = performance.now();
    if (n >= target) return { reachedAt: now, polls };
    // Far from the end, poll less often (each poll is a count over the table, on the machine under test): at most
    // every 200 ms, at a third of the time the rate seen since the last poll needs for the rest; near it, every `everyMs`.
    let waitMs = opts.everyMs;
    if (previous && n > previous.n) {
      const remainingMs = ((target - n) * (now - previous.at)) / (n - previous.n);
      waitMs = Math.min(200, Math.max(opts.everyMs, remainingMs / 3));
    }
    previous = { n, at: now };
    if (n !== last) {
      last = n;
      lastChange = now;
    }
    if (now - started > opts.timeoutMs) {
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}: ${n} of ${target}`);
    }
    if (now - lastChange > opts.stallMs) {
      throw new Error(`${what} stalled: stuck at ${n} of ${target} for ${Math.round(now - lastChange)} ms`);
    }
    await sleep(waitMs);
  }
}

/** Where the time of the paced events went, p50 and p99 of each stage, in ms (same clock as the latency). */
export interface LatencyStages {
  /**
   * outbox created_at (the writing transaction's start) → sent_at (the relay's UPDATE once the PubAcks are in: ours marks
   * the rows it was handed together, up to 100 ms after their PubAcks, so this is not the time they were published).
   */
  createdToSent: { p50Ms: number; p99Ms: number };
  /** created_at → the consumer's transaction start (inbox received_at), when the consumer records it. */
  createdToReceived?: { p50Ms: number; p99Ms: number };
  /** The consumer's transaction start → decided_at, when the consumer records it. */
  receivedToDecided?: { p50Ms: number; p99Ms: number };
}

function stage(values: number[]): { p50Ms: number; p99Ms: number } {
  const { p50Ms, p99Ms } = latencyStats(values);
  return { p50Ms, p99Ms };
}

/**
 * Latency per event, in ms: the consumer's decided time minus the outbox's created time, both from the same
 * PostgreSQL server clock. Reads the two sides from their own databases and joins them here by event id.
 * `receivedColumn` names the inbox's transaction-start column, if it has one, to split the time into stages.
 */
export async function measureLatencies(
  outboxUrls: string[],
  inboxUrl: string,
  correlationPrefix: string,
  receivedColumn?: string,
  hubTable: { name: string; sentColumn: string | null } = { name: 'outbox_events', sentColumn: 'sent_at' },
): Promise<{ latencies: number[]; created: number; undecided: number; stages: LatencyStages }> {
  const outbox = new Map<string, { created: number; sent: number | null }>();
  const sent = hubTable.sentColumn ? `(extract(epoch FROM ${hubTable.sentColumn}) * 1000)::float8` : 'NULL::float8';
  for (const url of outboxUrls) {
    const rows = await queryOnce<{ event_id: string; c: number; s: number | null }>(
      url,
      `SELECT event_id, (extract(epoch FROM created_at) * 1000)::float8 AS c, ${sent} AS s
         FROM ${hubTable.name} WHERE correlation_id LIKE $1`,
      [`${correlationPrefix}%`],
    );
    for (const r of rows) outbox.set(r.event_id, { created: r.c, sent: r.s });
  }
  const received = receivedColumn ? `(extract(epoch FROM ${receivedColumn}) * 1000)::float8` : 'NULL::float8';
  const decided = await queryOnce<{ event_id: string; d: number; r: number | null }>(
    inboxUrl,
    `SELECT event_id, (extract(epoch FROM decided_at) * 1000)::float8 AS d, ${received} AS r
       FROM inbox_events WHERE event_id = ANY($1::text[]) AND decided_at IS NOT NULL`,
    [[...outbox.keys()]],
  );
  const latencies: number[] = [];
  const createdToSent: number[] = [];
  const createdToReceived: number[] = [];
  const receivedToDecided: number[] = [];
  for (const row of decided) {
    const o = outbox.get(row.event_id)!;
    latencies.push(row.d - o.created);
    if (o.sent !== null) createdToSent.push(o.sent - o.created);
    if (row.r !== null) {
      createdToReceived.push(row.r - o.created);
      receivedToDecided.push(row.d - row.r);
    }
  }
  return {
    latencies,
    created: outbox.size,
    undecided: outbox.size - decided.length,
    stages: {
      createdToSent: stage(createdToSent),
      ...(receivedColumn
        ? { createdToReceived: stage(createdToReceived), receivedToDecided: stage(receivedToDecided) }
        : {}),
    },
  };
}

/** Schedules `count` calls of `send(i)` at `ratePerSec`, never more than `maxInFlight` unfinished at once. */
export async function paced(
  count: number,
  ratePerSec: number,
  maxInFlight: number,
  hardLimitMs: number,
  send: (i: number) => Promise<boolean>,
): Promise<{ issued: number; ok: number; failed: number; firstAt: number; lastAt: number; behindMs: number }> {
  const interval = 1000 / ratePerSec;
  const t0 = performance.now();
  let issued = 0;
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  let lastAt = t0;
  let behindMs = 0;
  let wake: (() => void) | undefined;
  const done = () => {
    inFlight--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  while (issued < count) {
    const now = performance.now();
    if (now - t0 > hardLimitMs) break;
    const due = Math.min(count, Math.floor((now - t0) / interval) + 1);
    while (issued < due && inFlight < maxInFlight) {
      const i = issued++;
      const at = performance.now();
      behindMs = Math.max(behindMs, at - (t0 + i * interval));
      lastAt = at;
      inFlight++;
      send(i).then(
        (good) => {
          if (good) ok++;
          else failed++;
          done();
        },
        () => {
          failed++;
          done();
        },
      );
    }
    if (issued >= count) break;
    const waitMs = inFlight >= maxInFlight ? 50 : Math.max(0, t0 + issued * interval - performance.now());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      if (inFlight >= maxInFlight) {
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }
    });
  }
  const drainDeadline = performance.now() + 30_000;
  while (inFlight > 0 && performance.now() < drainDeadline) await sleep(5);
  if (inFlight > 0) throw new Error(`${inFlight} paced requests still unanswered 30 s after the last was sent`);
  return { issued, ok, failed, firstAt: t0, lastAt, behindMs: Math.round(behindMs * 10) / 10 };
}

/** Events per second a schedule achieved: intervals between the first and the last issue. */
export function achievedRate(issued: number, firstAt: number, lastAt: number): number {
  return issued > 1 && lastAt > firstAt ? Math.round(((issued - 1) * 1000) / (lastAt - firstAt)) : 0;
}

/** Waits until the consumer has decided `target` events; bounded by the run's size, and fails early on a stall. */
export function waitAllDecided(
  what: string,
  client: Client,
  countSql: string,
  target: number,
  config: { pollMs: number },
): Promise<{ reachedAt: number; polls: number }> {
  return waitForCount(what, client, countSql, target, {
    everyMs: config.pollMs,
    timeoutMs: 120_000 + target * 10,
    stallMs: 30_000,
  });
}

/** POSTs a JSON body over a keep-alive connection; resolves with the status code and the response body. */
export function postJson(agent: Agent, port: number, path: string, body: unknown, headers: Record<string, string>) {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(data.length), ...headers },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${path} on port ${port}: no answer after 10 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** What a paced run reports of itself: requests issued, answered, failed; when the first and last went; how late. */
export interface PacedRun {
  issued: number;
  ok: number;
  failed: number;
  firstAt: number;
  lastAt: number;
  behindMs: number;
}

/** The paced part of a result, built the same way for ours, the floor and the peer. */
export function pacedReport(
  targetRate: number,
  requested: number,
  p: PacedRun,
  lat: { latencies: number[]; undecided: number; stages: LatencyStages },
) {
  return {
    targetRate,
    requested,
    issued: p.issued,
    ok: p.ok,
    failed: p.failed,
    sendRatePerSec: achievedRate(p.issued, p.firstAt, p.lastAt),
    maxBehindMs: p.behindMs,
    undecided: lat.undecided,
    stages: lat.stages,
    ...latencyStats(lat.latencies),
  };
}
