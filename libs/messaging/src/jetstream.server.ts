import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { CloudEvent } from '@ctp/contracts';
import {
  Consumer,
  ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  StoredMsg,
} from '@nats-io/jetstream';
import { Counter } from 'prom-client';
import { CtpLogger, Metrics } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { BatchApplier } from './batch-applier';
import { BatchScheduler } from './batch-scheduler';
import { ConsumerPositionStore, rewindDecision, SqlConsumerPositions } from './consumer-positions';
import { DeadLetters } from './dead-letters';
import { decodeEnvelope } from './envelope-decoder';
import { consumerConfig, ensureDurableConsumer } from './provisioning';

export interface ConsumerBinding {
  /** Durable consumer name; also the inbox's consumer key, so keep it stable across releases. */
  durable: string;
  filterSubject: string;
  /** Stream to read (default: the events stream). */
  stream?: string;
  /**
   * How a message becomes an envelope (default: `decodeEnvelope`, CloudEvents in structured or binary mode). Throws
   * PermanentEventError for poison.
   */
  decode?: (msg: JsMsg) => CloudEvent;
  /**
   * What an event's effects are about (e.g. its initiative id). With `concurrentBatches` > 1, a batch may be applied
   * while another is (each in its own transaction) when no key is in both; an event without a key (undefined) is
   * applied only while no other batch is, and none starts until it is done. Without this, batches go one at a time.
   */
  orderingKey?: (envelope: CloudEvent) => string | undefined;
}

export interface JetStreamServerOptions {
  stream: string;
  consumers: ConsumerBinding[];
  /** Create or update the durable consumers (false: only check they exist; an administrator provisions them). */
  provisionConsumers?: boolean;
  /** Most messages applied in one transaction. */
  maxBatch: number;
  /** A message failing this many deliveries goes to the dead-letter stream instead of being retried again. */
  maxDeliver: number;
  ackWaitMs: number;
  /** Bounds how many unacknowledged messages the broker lets this consumer hold: our local buffer. */
  maxAckPending: number;
  /**
   * When fewer than maxBatch messages are buffered, wait this long for more before applying them. A few milliseconds
   * turn a trickle of one-message transactions into small batches: far fewer statements per event under moderate
   * load, for a latency cost of at most this much.
   */
  lingerMs: number;
  /**
   * How long one pull request lives. The broker sends idle heartbeats every half of it, and two missed heartbeats
   * make the client pull again: this bounds how long the consumer stalls when the cluster node leading it is lost
   * while our own connection (to another node) stays up. The client library's default, 30 s, meant a stall of ~40 s.
   */
  pullExpiresMs?: number;
  /**
   * Batches of one consumer applied at the same time, at most (see ConsumerBinding.orderingKey). A second batch starts
   * only with a backlog (at least half of maxBatch waiting): while one batch waits on the database, the next is
   * decoded and judged. 1: one at a time.
   */
  concurrentBatches?: number;
  /**
   * Record each consumer's acknowledged position in the database (`consumer_positions`, which the service's migrations
   * must create) and, at start-up, rewind a consumer the database is behind (restored from a backup) to the recorded
   * position, so that the events applied since the backup are applied again. See `rewindDecision`.
   */
  trackPositions?: boolean;
}

export const DEFAULT_SERVER_OPTIONS: Omit<JetStreamServerOptions, 'consumers' | 'stream'> = {
  maxBatch: 500,
  maxDeliver: 5,
  ackWaitMs: 30_000,
  maxAckPending: 2000,
  lingerMs: 5,
  pullExpiresMs: 5000,
  concurrentBatches: 1,
};

interface Binding {
  spec: ConsumerBinding;
  consumer?: Consumer;
  messages?: ConsumerMessages;
  /** The messages received and not yet in a batch, and which of them go into the next one. */
  scheduler: BatchScheduler<JsMsg>;
  notify?: () => void;
  /** Messages the broker still held for this consumer when it delivered the newest one received, and when that was. */
  brokerPending?: number;
  /** When the newest message arrived, on the monotonic clock (performance.now()). */
  receivedAt?: number;
  loop?: Promise<void>;
}

/**
 * A Nest transport strategy over JetStream durable pull consumers. Handlers are ordinary `@EventPattern(type)`
 * methods. Each fetched batch is applied in one PostgreSQL transaction together with the inbox rows of its events,
 * and acknowledged only after that transaction committed. When a batch fails, its events are retried one by one so a
 * bad one is isolated: a permanent failure (or one past `maxDeliver`) is dead-lettered with its reason and acked, a
 * transient one is nak'ed with exponential backoff. Nothing waits behind a bad message.
 *
 * This class wires the parts: the consumers and their buffers (here), which buffered messages form the next batch
 * (`BatchScheduler`, one per consumer), applying a batch with the inbox (`BatchApplier`) and what a failure calls for
 * (`failureDecision`).
 */
export class JetStreamServer extends Server implements CustomTransportStrategy {
  private readonly bindings: Binding[];
  /** Messages in the batches being applied right now. */
  private applying = 0;
  private closing = false;
  /**
   * The handler of each event type, looked up once: Nest's getHandlerByPattern first tries JSON.parse on the pattern,
   * which throws (building an error and its stack) for every plain type string — once per message otherwise.
   */
  private readonly handlersByType = new Map<string, MessageHandler | null>();
  private lagTimer?: NodeJS.Timeout;
  /** Envelopes (or why not) of the messages received, decoded once. */
  private readonly decoded = new WeakMap<JsMsg, CloudEvent | Error>();
  private readonly applier: BatchApplier;
  private readonly positions?: ConsumerPositionStore;
  private readonly rewinds: Counter<'consumer'>;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly unitOfWork: UnitOfWork,
    deadLetters: DeadLetters,
    private readonly log: CtpLogger,
    private readonly metrics: Metrics,
    private readonly options: JetStreamServerOptions,
  ) {
    super();
    this.bindings = options.consumers.map((spec) => ({ spec, scheduler: this.schedulerFor(spec) }));
    this.applier = new BatchApplier(unitOfWork, deadLetters, log, metrics, options.maxDeliver, (type) =>
      this.handlerFor(type),
    );
    if (options.trackPositions) this.positions = new SqlConsumerPositions(unitOfWork);
    const existing = metrics.registry.getSingleMetric('ctp_consumer_rewinds_total') as Counter<'consumer'> | undefined;
    this.rewinds =
      existing ??
      new Counter({
        name: 'ctp_consumer_rewinds_total',
        help: 'Durable consumers rewound at start-up because the database was behind the broker (restored from a backup)',
        labelNames: ['consumer'],
        registers: [metrics.registry],
      });
  }

  private schedulerFor(spec: ConsumerBinding): BatchScheduler<JsMsg> {
    const keyOf = spec.orderingKey;
    return new BatchScheduler<JsMsg>({
      maxBatch: this.options.maxBatch,
      lingerMs: this.options.lingerMs,
      concurrentBatches: this.options.concurrentBatches ?? 1,
      keyOf: keyOf ? (msg) => this.orderingKeyOf(spec, msg, keyOf) : undefined,
    });
  }

  listen(callback: (err?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (err) => callback(err),
    );
  }

  private async start(): Promise<void> {
    this.closing = false;
    this.handlersByType.clear();
    for (const b of this.bindings) {
      const stream = b.spec.stream ?? this.options.stream;
      if (this.positions) await this.rewindIfBehind(b.spec, stream, this.positions);
      await ensureDurableConsumer(
        this.jsm,
        {
          stream,
          durable: b.spec.durable,
          filterSubject: b.spec.filterSubject,
          ackWaitMs: this.options.ackWaitMs,
          maxAckPending: this.options.maxAckPending,
        },
        { create: this.options.provisionConsumers !== false },
      );
      b.consumer = await this.js.consumers.get(stream, b.spec.durable);
      b.messages = await b.consumer.consume({
        max_messages: Math.min(this.options.maxAckPending, this.options.maxBatch * 2),
        expires: this.options.pullExpiresMs ?? DEFAULT_SERVER_OPTIONS.pullExpiresMs,
        callback: (m) => {
          b.scheduler.push(m);
          b.brokerPending = m.info.pending;
          b.receivedAt = performance.now();
          const n = b.notify;
          b.notify = undefined;
          n?.();
        },
      });
      b.loop = this.runLoop(b);
      this.log.info({
        msg: 'consumer started',
        consumer: b.spec.durable,
        stream,
        filterSubject: b.spec.filterSubject,
      });
    }
    this.lagTimer = setInterval(() => void this.refreshLag(), 5000);
    this.lagTimer.unref();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    for (const b of this.bindings) {
      b.messages?.stop();
      b.notify?.();
    }
    await Promise.all(this.bindings.map((b) => b.loop ?? Promise.resolve()));
    // Whatever was buffered but not applied goes back to the broker at once rather than after ack_wait.
    for (const b of this.bindings) for (const m of b.scheduler.drain()) m.nak();
  }

  on(): void {
    throw new Error('JetStreamServer does not emit events');
  }

  unwrap<T>(): T {
    return this.js as T;
  }

  /** Consumer lag per durable: delivered-but-unacked plus not-yet-delivered. */
  /**
   * Pending and unacknowledged messages of each configured durable consumer, from the broker — also in a process (or
   * thread) that configured the consumers without listening (the platform's HTTP thread shows its consumer thread's).
   */
  async lag(): Promise<Record<string, { pending: number; ackPending: number }>> {
    const out: Record<string, { pending: number; ackPending: number }> = {};
    for (const b of this.bindings) {
      const info = b.consumer
        ? await b.consumer.info(false)
        : await this.jsm.consumers.info(b.spec.stream ?? this.options.stream, b.spec.durable).catch(() => undefined);
      if (!info) continue;
      out[b.spec.durable] = { pending: info.num_pending, ackPending: info.num_ack_pending };
    }
    return out;
  }

  /** Messages received from the broker and not yet applied: waiting here, or in a batch being applied (0: idle). */
  localBacklog(): number {
    let n = this.applying;
    for (const b of this.bindings) n += b.scheduler.waiting;
    return n;
  }

  /**
   * Events waiting for this process: received and not applied yet (`localBacklog`), plus those the broker still held
   * for a consumer when it delivered the newest one received — if that was less than 200 ms ago: messages the broker
   * holds arrive well within that, and the count a message carries was seen to stay above 0 after the last one.
   */
  backlog(): number {
    let n = this.localBacklog();
    const recent = performance.now() - 200;
    for (const b of this.bindings) if ((b.receivedAt ?? 0) >= recent) n += b.brokerPending ?? 0;
    return n;
  }

  private async refreshLag(): Promise<void> {
    try {
      for (const [durable, l] of Object.entries(await this.lag())) {
        this.metrics.consumerLag.set({ consumer: durable, kind: 'pending' }, l.pending);
        this.metrics.consumerLag.set({ consumer: durable, kind: 'ack_pending' }, l.ackPending);
      }
    } catch {
      // The broker is unreachable; the readiness check reports that.
    }
    if (this.positions) await this.recordPositions(this.positions);
  }

  /**
   * Whether every message of the consumer between `after` (exclusive) and `through` is an event its inbox already holds
   * (a duplicate re-published by a source): then the database is not behind. Looked at only for a short gap. Reads the
   * messages by sequence (`$JS.API.STREAM.MSG.GET.<stream>`, which the platform's NATS identity may use on the stream
   * it reads wholly: nats-permissions.ts). A sequence the stream no longer holds (deleted: JetStream's "no message
   * found", which getMessage returns as null) is skipped; any other error — a permission violation included — means
   * it cannot tell (false), and the caller's rewind or error log stands.
   */
  private async onlyDuplicatesAfter(
    manager: { query(sql: string, params: unknown[]): Promise<unknown> },
    spec: ConsumerBinding,
    stream: string,
    after: number,
    through: number,
  ): Promise<boolean> {
    if (through - after > 500) return false;
    const prefix = spec.filterSubject.endsWith('>') ? spec.filterSubject.slice(0, -1) : undefined;
    const keys: { source: string; id: string }[] = [];
    for (let seq = after + 1; seq <= through; seq++) {
      let m: StoredMsg | null;
      try {
        m = await this.jsm.streams.getMessage(stream, { seq });
      } catch (err) {
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.NoMessageFound) continue;
        this.log.debug({
          msg: 'could not read the messages after the recorded position',
          consumer: spec.durable,
          stream,
          seq,
          err: (err as Error).message,
        });
        return false;
      }
      if (!m) continue; // deleted (getMessage answers JetStream's 404 "no message found", err_code 10037, with null)
      if (prefix ? !m.subject.startsWith(prefix) : m.subject !== spec.filterSubject) continue;
      try {
        const e = decodeEnvelope(m.data, m.header);
        keys.push({ source: e.source, id: e.id });
      } catch {
        return false; // undecodable: it would have a dead-letter row, and it has none
      }
    }
    if (keys.length === 0) return true;
    const [{ known }] = (await manager.query(
      `SELECT count(*)::int AS known FROM inbox_events i
         JOIN unnest($2::text[], $3::text[]) AS k (source, event_id) ON i.source = k.source AND i.event_id = k.event_id
        WHERE i.consumer = $1`,
      [spec.durable, keys.map((k) => k.source), keys.map((k) => k.id)],
    )) as { known: number }[];
    return known === keys.length;
  }

  /** Stores each consumer's ack floor as the broker reports it now (exact: see SqlConsumerPositions). */
  async recordPositions(positions: ConsumerPositionStore): Promise<void> {
    for (const b of this.bindings) {
      try {
        if (!b.consumer) continue;
        const info = await b.consumer.info(false);
        await positions.record(b.spec.durable, b.spec.stream ?? this.options.stream, info.ack_floor.stream_seq);
      } catch (err) {
        this.log.debug({
          msg: 'consumer position not recorded',
          consumer: b.spec.durable,
          err: (err as Error).message,
        });
      }
    }
  }

  /**
   * At start-up, before consuming: when the broker's consumer has acknowledged past the position this database
   * recorded (the database was restored from a backup), the consumer is created again from that position, so that
   * every event since is delivered again (those the database holds are recognised by the inbox). Under an advisory
   * lock: replicas starting together rewind once. Without the right to create consumers (a service identity) it says
   * what an administrator must do and goes on; reconciliation with the sources is then the repair.
   */
  private async rewindIfBehind(spec: ConsumerBinding, stream: string, positions: ConsumerPositionStore): Promise<void> {
    await this.unitOfWork.run(async (tx) => {
      await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `ctp-consumer-rewind:${stream}:${spec.durable}`,
      ]);
      const recorded = await positions.read(spec.durable, stream);
      let ackFloor: number;
      try {
        ackFloor = (await this.jsm.consumers.info(stream, spec.durable)).ack_floor.stream_seq;
      } catch (err) {
        // A consumer that does not exist yet delivers from the stream's start anyway.
        if (err instanceof JetStreamApiError && (err.status === 404 || err.code === 10014)) return;
        throw err;
      }
      const first = (await this.jsm.streams.info(stream)).state.first_seq;
      const [{ applied }] = (await tx.manager.query(
        `SELECT GREATEST((SELECT max(stream_seq) FROM inbox_events WHERE consumer = $1),
                         (SELECT max(stream_seq) FROM inbox_dead_letters WHERE consumer = $1 AND stream = $2)) AS applied`,
        [spec.durable, stream],
      )) as { applied: string | null }[];
      const appliedSeq = applied === null ? 0 : Number(applied);
      const decision = rewindDecision(recorded, ackFloor, first, appliedSeq);
      if (!decision.rewind) return;
      // The last messages acknowledged may have been duplicates (no row of their own): then nothing is missing.
      if (await this.onlyDuplicatesAfter(tx.manager, spec, stream, Math.max(recorded ?? 0, appliedSeq), ackFloor))
        return;
      const what = {
        consumer: spec.durable,
        stream,
        databaseAckedThrough: recorded,
        brokerAckedThrough: ackFloor,
        replayFrom: decision.from,
        ...(decision.lost ? { lostFromStream: decision.lost } : {}),
      };
      if (this.options.provisionConsumers === false) {
        this.log.error({
          msg: 'the database is behind its consumer (restored from a backup?) and this identity may not rewind it: as admin, delete the consumer and create it again delivering from replayFrom (`nats consumer rm` / `nats consumer add --deliver <replayFrom>`), then restart; until then reconciliation with the sources repairs what it can',
          ...what,
        });
        return;
      }
      await this.jsm.consumers.delete(stream, spec.durable);
      await this.jsm.consumers.add(stream, {
        ...consumerConfig({
          stream,
          durable: spec.durable,
          filterSubject: spec.filterSubject,
          ackWaitMs: this.options.ackWaitMs,
          maxAckPending: this.options.maxAckPending,
        }),
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: decision.from,
      });
      this.rewinds.inc({ consumer: spec.durable });
      this.log.warn({
        msg: 'consumer rewound: the database is behind the stream (restored from a backup), events since its position are delivered again',
        ...what,
      });
      if (decision.lost) {
        this.log.error({
          msg: 'events the restored database lacks are no longer in the stream (its retention): reconciliation with the sources must repair them',
          ...what,
        });
      }
    });
  }

  private async runLoop(b: Binding): Promise<void> {
    const running = new Set<Promise<void>>();
    while (!this.closing) {
      const next = b.scheduler.next();
      if (next === 'wait') {
        // Woken by a message arriving (the consume callback) or a batch finishing.
        await new Promise<void>((resolve) => (b.notify = resolve));
        continue;
      }
      if (next === 'linger') {
        await new Promise((resolve) => setTimeout(resolve, this.options.lingerMs));
        continue;
      }
      const batch = next.messages;
      this.applying += batch.length;
      const work: Promise<void> = this.processBatch(b.spec, batch)
        .catch((err: Error) => {
          // processBatch handles its own failures; reaching here is a bug. Let the broker redeliver.
          this.log.error({ msg: 'batch processing crashed', consumer: b.spec.durable, err: err.stack });
          for (const m of batch) m.nak(1000);
        })
        .finally(() => {
          this.applying -= batch.length;
          b.scheduler.done(next);
          running.delete(work);
          const n = b.notify;
          b.notify = undefined;
          n?.();
        });
      running.add(work);
    }
    await Promise.all(running);
  }

  /** An undecodable message has its own key (it is dead-lettered, it touches nothing). */
  private orderingKeyOf(
    spec: ConsumerBinding,
    msg: JsMsg,
    keyOf: (envelope: CloudEvent) => string | undefined,
  ): string | undefined {
    const decoded = this.decodeOnce(spec, msg);
    return decoded instanceof Error ? `\u0000undecodable:${msg.seq}` : keyOf(decoded);
  }

  /** Decodes a message once, whether for its ordering key or for applying it. */
  private decodeOnce(spec: ConsumerBinding, msg: JsMsg): CloudEvent | Error {
    let decoded = this.decoded.get(msg);
    if (decoded === undefined) {
      try {
        decoded = (spec.decode ?? ((m: JsMsg) => decodeEnvelope(m.data, m.headers)))(msg);
      } catch (err) {
        decoded = err as Error;
      }
      this.decoded.set(msg, decoded);
    }
    return decoded;
  }

  private handlerFor(type: string): MessageHandler | null {
    let handler = this.handlersByType.get(type);
    if (handler === undefined) {
      handler = this.getHandlerByPattern(type);
      // Types come from publishers: remember the ones handled, and only a bounded number of the others.
      if (handler || this.handlersByType.size < 1000) this.handlersByType.set(type, handler);
    }
    return handler;
  }

  /** Decodes, dedupes within the batch, then applies what is left in one transaction (see BatchApplier). */
  async processBatch(binding: ConsumerBinding, msgs: JsMsg[]): Promise<void> {
    await this.applier.apply(binding.durable, msgs, (msg) => this.decodeOnce(binding, msg));
  }
}
