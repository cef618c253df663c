import type { natsConnectionSecurity } from '@ctp/messaging';

/**
 * The floor: the same pipeline written by hand, with no framework (plain `pg`, `@nats-io/transport-node` and
 * `@nats-io/jetstream`), to show what the machine can do for this shape of work. The bench starts its relay and its
 * consumer as child processes (so each has its own event loop, like a hub and the platform) and talks to them over
 * the IPC channel with these messages.
 */
export type ToChild = { type: 'paced'; count: number; ratePerSec: number; maxInFlight: number; prefix: string };

export type FromChild =
  | { type: 'ready' }
  | {
      type: 'paced-done';
      issued: number;
      ok: number;
      failed: number;
      firstAt: number;
      lastAt: number;
      behindMs: number;
    }
  | { type: 'fatal'; message: string };

/** The floor's "hub" database: an outbox like ours, without what only housekeeping and replay need. */
export const FLOOR_HUB_SCHEMA = [
  `CREATE TABLE outbox_events (
     id             bigserial PRIMARY KEY,
     event_id       text NOT NULL UNIQUE,
     subject        text NOT NULL,
     payload        text NOT NULL,
     correlation_id text,
     created_at     timestamptz NOT NULL DEFAULT now(),
     sent_at        timestamptz
   )`,
  `CREATE INDEX outbox_events_unsent ON outbox_events (id) WHERE sent_at IS NULL`,
];

/**
 * The floor's "platform" database: an inbox (decided_at is stamped by the claiming INSERT, one statement before the
 * registry upsert and the commit) and one registry row per initiative.
 */
export const FLOOR_PLATFORM_SCHEMA = [
  `CREATE TABLE inbox_events (
     source      text NOT NULL,
     event_id    text NOT NULL,
     subject     text NOT NULL,
     stream_seq  bigint NOT NULL,
     decided_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
     PRIMARY KEY (source, event_id)
   )`,
  `CREATE TABLE registry_initiatives (
     initiative_id  text PRIMARY KEY,
     source         text NOT NULL,
     version        integer NOT NULL,
     snapshot       jsonb NOT NULL,
     last_event_id  text NOT NULL,
     applied_at     timestamptz NOT NULL DEFAULT now()
   )`,
];

export function send(msg: FromChild): void {
  process.send?.(msg);
}

/** Reads a required environment variable of a floor process. */
export function env(name: string, fallback?: string): string {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') throw new Error(`${name} is required`);
  return v;
}

/** Stops the process when its parent goes away or says so, after `cleanup`. */
export function exitWith(cleanup: () => Promise<void>): void {
  let exiting = false;
  const stop = (code: number) => {
    if (exiting) return;
    exiting = true;
    const hard = setTimeout(() => process.exit(code), 5000);
    hard.unref();
    cleanup().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  process.on('disconnect', () => stop(0));
}

/** Reports a failure to the parent (if it still listens) and exits. */
export function fatal(err: unknown): void {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${message}\n`);
  const exit = () => process.exit(1);
  setTimeout(exit, 1000).unref();
  if (process.send && process.connected) process.send({ type: 'fatal', message } satisfies FromChild, exit);
  else exit();
}

/**
 * The connection options of a floor process: anonymous without credentials in its environment (BENCH_NATS=open, and
 * nothing more is loaded); with them (secured), as `admin`, the way the services read and use theirs.
 */
export async function natsSecurity(): Promise<ReturnType<typeof natsConnectionSecurity>> {
  if (!process.env.NATS_NKEY_SEED_FILE) return {};
  const { natsConnectionSecurity, readNatsCredentials } = await import('@ctp/messaging');
  const { EnvReader } = await import('@ctp/observability');
  const r = new EnvReader(process.env);
  const credentials = readNatsCredentials(r, 'admin', process.env);
  r.done('floor');
  return natsConnectionSecurity(credentials);
}
