/**
 * The floor's relay (a child process of the bench): moves committed outbox rows to JetStream. Each round selects the
 * oldest unsent rows in id order (at most FLOOR_BATCH), publishes them all at once with Nats-Msg-Id = event id,
 * checks every PubAck, marks the acknowledged rows sent in one UPDATE, and loops; when a round finds less than a full
 * batch it idles until woken by a commit of this process or FLOOR_POLL_MS (rows written by another process).
 *
 * The paced part of the bench runs here too: on a `paced` message the process inserts rows into its own outbox, each
 * in its own transaction on the schedule given, and wakes the relay after each commit, as a hub does after a request.
 */
import 'reflect-metadata';
import { HUB_REGIONS } from '@ctp/contracts';
import {
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  JetStreamClient,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'pg';
import { paced } from '../common';
import { initiativeEvent, prng, reportRequest, withSubjectRoot } from '../payloads';
import { env, exitWith, fatal, natsSecurity, send, ToChild } from './protocol';

const NATS_URL = env('FLOOR_NATS_URL');
const DATABASE_URL = env('FLOOR_DATABASE_URL');
const STREAM = env('FLOOR_STREAM', 'FLOOR');
const SUBJECT_ROOT = env('FLOOR_SUBJECT_ROOT', 'floor');
const BATCH = Number(env('FLOOR_BATCH', '500'));
const POLL_MS = Number(env('FLOOR_POLL_MS', '500'));

interface Row {
  id: string;
  event_id: string;
  subject: string;
  payload: string;
}

class Relay {
  private stopping = false;
  private woken = false;
  private waiter?: () => void;
  private running?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly js: JetStreamClient,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
  }

  wake(): void {
    this.woken = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        const read = await this.once();
        if (read < BATCH) await this.idle(POLL_MS);
      } catch (err) {
        process.stderr.write(`floor relay: ${(err as Error).message}; retrying\n`);
        await this.idle(200);
      }
    }
  }

  private async once(): Promise<number> {
    this.woken = false;
    const { rows } = await this.pool.query<Row>(
      `SELECT id, event_id, subject, payload FROM outbox_events WHERE sent_at IS NULL ORDER BY id LIMIT $1`,
      [BATCH],
    );
    if (rows.length === 0) return 0;
    const acks = await Promise.allSettled(
      rows.map((r) => this.js.publish(r.subject, r.payload, { msgID: r.event_id, timeout: 5000 })),
    );
    const sent: string[] = [];
    acks.forEach((a, i) => {
      if (a.status === 'fulfilled' && a.value.stream === STREAM && a.value.seq > 0) sent.push(rows[i].id);
    });
    if (sent.length > 0) {
      await this.pool.query(`UPDATE outbox_events SET sent_at = now() WHERE id = ANY($1::bigint[])`, [sent]);
    }
    if (sent.length < rows.length) throw new Error(`${rows.length - sent.length} of ${rows.length} got no PubAck`);
    return rows.length;
  }

  private async idle(ms: number): Promise<void> {
    if (this.woken || this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, ms);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

async function main(): Promise<void> {
  const nc = await connect({ servers: NATS_URL, name: 'floor-relay', timeout: 5000, ...(await natsSecurity()) });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: STREAM,
    subjects: [`${SUBJECT_ROOT}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: 1,
    duplicate_window: nanos(120_000),
  });
  const pool = new Pool({ connectionString: DATABASE_URL, max: 10, application_name: 'floor-relay' });
  await pool.query('SELECT 1');
  const relay = new Relay(pool, jetstream(nc));
  relay.start();

  exitWith(async () => {
    await relay.stop();
    await pool.end();
    await nc.drain();
  });

  process.on('message', (msg: ToChild) => {
    if (msg.type !== 'paced') return;
    const rnd = prng(4242);
    paced(msg.count, msg.ratePerSec, msg.maxInFlight, (msg.count / msg.ratePerSec) * 1000 + 60_000, async (i) => {
      const region = HUB_REGIONS[i % HUB_REGIONS.length];
      const correlationId = `${msg.prefix}${i}`;
      const { subject, event } = initiativeEvent(region, reportRequest(region, correlationId, rnd), 1);
      event.correlationid = correlationId;
      await pool.query(
        `INSERT INTO outbox_events (event_id, subject, payload, correlation_id) VALUES ($1, $2, $3, $4)`,
        [event.id, withSubjectRoot(subject, SUBJECT_ROOT), JSON.stringify(event), correlationId],
      );
      relay.wake();
      return true;
    }).then((r) => send({ type: 'paced-done', ...r }), fatal);
  });
  send({ type: 'ready' });
}

main().catch(fatal);
