import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AckPolicy, DeliverPolicy, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import { JetStreamNames } from '@ctp/contracts';
import { ScenarioDatabase } from './scenario-db';

const run = promisify(execFile);

/** The PostgreSQL client binaries: PG_BIN, else the Debian 15 ones, else the PATH. */
function pgBin(tool: 'pg_dump' | 'pg_restore'): string {
  const dir = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
  return existsSync(join(dir, tool)) ? join(dir, tool) : tool;
}

/** What an operator does: `pg_dump -Fc` of one service's database, while it runs. */
export async function pgDump(db: ScenarioDatabase, file: string): Promise<void> {
  await run(pgBin('pg_dump'), ['-Fc', '--no-owner', '-f', file, '-d', db.url], { timeout: 60_000 });
}

/**
 * The restore of that dump into the same database name, the service stopped: the database dropped and created empty
 * again, then `pg_restore`. Everything written after the dump is gone.
 */
export async function pgRestore(db: ScenarioDatabase, file: string): Promise<void> {
  const admin = new Client({ connectionString: db.adminUrl, connectionTimeoutMillis: 3000 });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${db.name}"`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  await run(pgBin('pg_restore'), ['--no-owner', '--exit-on-error', '-d', db.url, file], { timeout: 60_000 });
}

/** A content hash that does not depend on the order of keys (jsonb reorders them). */
export function contentHash(value: unknown): string {
  const canonical = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
    if (v !== null && typeof v === 'object') {
      return `{${Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
        .join(',')}}`;
    }
    return JSON.stringify(v);
  };
  return createHash('sha256').update(canonical(value)).digest('hex');
}

/**
 * Every initiative event under `filter` in the events stream (read with a consumer of the test's own, acknowledging
 * nothing), as (initiative, version) → the content hashes published under it. More than one hash for a key is a
 * version given twice with different contents.
 */
export async function publishedContents(
  js: JetStreamClient,
  jsm: JetStreamManager,
  filter: string,
): Promise<Map<string, Set<string>>> {
  const stream = JetStreamNames.eventsStream;
  const name = `fault-published-${Date.now()}`;
  await jsm.consumers.add(stream, {
    name,
    filter_subject: filter,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: 60_000_000_000,
    mem_storage: true,
  });
  const out = new Map<string, Set<string>>();
  try {
    const consumer = await js.consumers.get(stream, name);
    let pending = (await consumer.info(false)).num_pending;
    while (pending > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, 1000), expires: 5000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        pending = m.info.pending;
        let data: { initiativeId?: unknown; version?: unknown } | undefined;
        try {
          data = (m.json<{ data?: typeof data }>() ?? {}).data;
        } catch {
          continue; // poison
        }
        if (typeof data?.initiativeId !== 'string' || typeof data.version !== 'number') continue;
        const key = `${data.initiativeId} v${data.version}`;
        if (!out.has(key)) out.set(key, new Set());
        out.get(key)!.add(contentHash(data));
      }
      if (got === 0) throw new Error(`no message from ${stream} while ${pending} were pending`);
    }
  } finally {
    await jsm.consumers.delete(stream, name).catch(() => undefined);
  }
  return out;
}

/** Polls `check` every 100 ms until it is true, or throws `what` after `ms`. */
export async function waitUntil(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
