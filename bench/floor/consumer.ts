/**
 * The floor's consumer (a child process of the bench): a durable pull consumer read with `consume()`, whatever is
 * buffered (up to FLOOR_MAX_BATCH) applied in one transaction: claim the events in the inbox (INSERT … ON CONFLICT DO
 * NOTHING RETURNING), upsert one registry row per initiative with a version guard, commit, then ack.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { env, exitWith, fatal, natsSecurity, send } from './protocol';

const NATS_URL = env('FLOOR_NATS_URL');
const DATABASE_URL = env('FLOOR_DATABASE_URL');
const STREAM = env('FLOOR_STREAM', 'FLOOR');
const DURABLE = env('FLOOR_DURABLE', 'floor-hubs');
const FILTER = env('FLOOR_FILTER', 'floor.hub.>');
const MAX_BATCH = Number(env('FLOOR_MAX_BATCH', '500'));
const MAX_ACK_PENDING = Number(env('FLOOR_MAX_ACK_PENDING', '2000'));

interface Snapshot {
  initiativeId: string;
  version: number;
}

interface Decoded {
  msg: JsMsg;
  source: string;
  id: string;
  data: Snapshot;
}

async function applyBatch(pg: Client, msgs: JsMsg[]): Promise<void> {
  const events: Decoded[] = [];
  for (const msg of msgs) {
    try {
      const e = JSON.parse(msg.string()) as { source: string; id: string; data: Snapshot };
      if (typeof e.source !== 'string' || typeof e.id !== 'string' || typeof e.data?.initiativeId !== 'string') {
        throw new Error('not an initiative event');
      }
      events.push({ msg, source: e.source, id: e.id, data: e.data });
    } catch (err) {
      process.stderr.write(`floor consumer: dropping ${msg.subject} #${msg.seq}: ${(err as Error).message}\n`);
      msg.term();
    }
  }
  if (events.length === 0) return;
  await pg.query('BEGIN');
  try {
    const { rows } = await pg.query<{ source: string; event_id: string }>(
      `INSERT INTO inbox_events (source, event_id, subject, stream_seq)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       ON CONFLICT (source, event_id) DO NOTHING
       RETURNING source, event_id`,
      [
        events.map((e) => e.source),
        events.map((e) => e.id),
        events.map((e) => e.msg.subject),
        events.map((e) => e.msg.seq),
      ],
    );
    const fresh = new Set(rows.map((r) => `${r.source}\u0000${r.event_id}`));
    // One row per initiative: the newest version among this batch's fresh events.
    const latest = new Map<string, Decoded>();
    for (const e of events) {
      if (!fresh.has(`${e.source}\u0000${e.id}`)) continue;
      const seen = latest.get(e.data.initiativeId);
      if (!seen || seen.data.version < e.data.version) latest.set(e.data.initiativeId, e);
    }
    if (latest.size > 0) {
      const ws = [...latest.values()];
      await pg.query(
        `INSERT INTO registry_initiatives AS r (initiative_id, source, version, snapshot, last_event_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[], $5::text[])
         ON CONFLICT (initiative_id) DO UPDATE SET
           source = excluded.source, version = excluded.version, snapshot = excluded.snapshot,
           last_event_id = excluded.last_event_id, applied_at = now()
         WHERE r.version < excluded.version`,
        [
          ws.map((e) => e.data.initiativeId),
          ws.map((e) => e.source),
          ws.map((e) => e.data.version),
          ws.map((e) => JSON.stringify(e.data)),
          ws.map((e) => e.id),
        ],
      );
    }
    await pg.query('COMMIT');
  } catch (err) {
    await pg.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  for (const e of events) e.msg.ack();
}

async function main(): Promise<void> {
  const pg = new Client({ connectionString: DATABASE_URL, application_name: 'floor-consumer' });
  await pg.connect();
  const nc = await connect({ servers: NATS_URL, name: 'floor-consumer', timeout: 5000, ...(await natsSecurity()) });
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(STREAM, {
    durable_name: DURABLE,
    filter_subject: FILTER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(30_000),
    max_deliver: -1,
    max_ack_pending: MAX_ACK_PENDING,
  });
  const consumer = await jetstream(nc).consumers.get(STREAM, DURABLE);
  const queue: JsMsg[] = [];
  let notify: (() => void) | undefined;
  let stopping = false;
  const messages = await consumer.consume({
    max_messages: Math.min(MAX_ACK_PENDING, MAX_BATCH * 2),
    callback: (m) => {
      queue.push(m);
      const n = notify;
      notify = undefined;
      n?.();
    },
  });
  const loop = (async () => {
    while (!stopping) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => (notify = resolve));
        continue;
      }
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await applyBatch(pg, batch);
      } catch (err) {
        process.stderr.write(`floor consumer: batch failed, redelivering: ${(err as Error).message}\n`);
        for (const m of batch) m.nak(1000);
      }
    }
  })();

  exitWith(async () => {
    stopping = true;
    messages.stop();
    notify?.();
    await loop;
    for (const m of queue.splice(0)) m.nak();
    await nc.drain();
    await pg.end();
  });
  send({ type: 'ready' });
}

main().catch(fatal);
