import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { CloudEvent } from '@ctp/contracts';
import { Consumer, ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { CtpLogger, Metrics } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { isObservable, lastValueFrom } from 'rxjs';
import { redeliveryDelayMs } from './backoff';
import { DeadLetters } from './dead-letters';
import { decodeEnvelope } from './envelope-decoder';
import { isDatabaseUnavailable, PermanentEventError, permanentFailureOf } from './errors';
import { Inbox, InboxEntry, eventKey } from './inbox';
import { ensureDurableConsumer } from './provisioning';
import { EventBatchContext, EventOutcome, ReceivedEvent } from './received-event';

export interface ConsumerBinding {
  /** Durable consumer name; also the inbox's consumer key, so keep it stable across releases. */
  durable: string;
  filterSubject: string;
  /** Stream to read (default: the events stream). */
  stream?: string;
  /** How a message becomes an envelope (default: CloudEvents JSON). Throws PermanentEventError for poison. */
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

interface Item {
  msg: JsMsg;
  event: ReceivedEvent;
  key: string;
  handler: MessageHandler | null;
  outcome?: EventOutcome | { outcome: 'DUPLICATE_DELIVERY' };
}

interface Binding {
  spec: ConsumerBinding;
  consumer?: Consumer;
  messages?: ConsumerMessages;
  queue: JsMsg[];
  notify?: () => void;
  /** The loop has just waited lingerMs for more messages: take what is there now. */
  lingered?: boolean;
  /** Messages the broker still held for this consumer when it delivered the newest one received, and when that was. */
  brokerPending?: number;
  receivedAt?: number;
  loop?: Promise<void>;
}

/**
 * A Nest transport strategy over JetStream durable pull consumers. Handlers are ordinary `@EventPattern(type)`
 * methods. Each fetched batch is applied in one PostgreSQL transaction together with the inbox rows of its events,
 * and acknowledged only after that transaction committed. When a batch fails, its events are retried one by one so a
 * bad one is isolated: a permanent failure (or one past `maxDeliver`) is dead-lettered with its reason and acked, a
 * transient one is nak'ed with exponential backoff. Nothing waits behind a bad message.
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

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly unitOfWork: UnitOfWork,
    private readonly deadLetters: DeadLetters,
    private readonly log: CtpLogger,
    private readonly metrics: Metrics,
    private readonly options: JetStreamServerOptions,
  ) {
    super();
    this.bindings = options.consumers.map((spec) => ({ spec, queue: [] }));
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
          b.queue.push(m);
          b.brokerPending = m.info.pending;
          b.receivedAt = Date.now();
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
    for (const b of this.bindings) for (const m of b.queue.splice(0)) m.nak();
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
    for (const b of this.bindings) n += b.queue.length;
    return n;
  }

  /**
   * Events waiting for this process: received and not applied yet (`localBacklog`), plus those the broker still held
   * for a consumer when it delivered the newest one received — if that was less than 200 ms ago: messages the broker
   * holds arrive well within that, and the count a message carries was seen to stay above 0 after the last one.
   */
  backlog(): number {
    let n = this.localBacklog();
    const recent = Date.now() - 200;
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
  }

  private async runLoop(b: Binding): Promise<void> {
    const max = Math.max(1, b.spec.orderingKey ? (this.options.concurrentBatches ?? 1) : 1);
    const running = new Set<Promise<void>>();
    /** The ordering keys of the batches being applied. */
    const busy = new Set<string>();
    let exclusive = false;
    while (!this.closing) {
      const backlog = running.size === 0 || b.queue.length >= this.options.maxBatch / 2;
      const taken: ReturnType<JetStreamServer['takeBatch']> =
        b.queue.length > 0 && running.size < max && !exclusive && backlog
          ? this.takeBatch(b, running.size, busy)
          : undefined;
      if (!taken) {
        // Woken by a message arriving (the consume callback) or a batch finishing.
        await new Promise<void>((resolve) => (b.notify = resolve));
        continue;
      }
      if (taken === 'linger') {
        await new Promise((resolve) => setTimeout(resolve, this.options.lingerMs));
        continue;
      }
      const { batch, keys } = taken;
      exclusive = taken.exclusive;
      this.applying += batch.length;
      const work: Promise<void> = this.processBatch(b.spec, batch)
        .catch((err: Error) => {
          // processBatch handles its own failures; reaching here is a bug. Let the broker redeliver.
          this.log.error({ msg: 'batch processing crashed', consumer: b.spec.durable, err: err.stack });
          for (const m of batch) m.nak(1000);
        })
        .finally(() => {
          this.applying -= batch.length;
          for (const k of keys) busy.delete(k);
          if (taken.exclusive) exclusive = false;
          running.delete(work);
          const n = b.notify;
          b.notify = undefined;
          n?.();
        });
      running.add(work);
    }
    await Promise.all(running);
  }

  /**
   * The next batch from the queue, in order: up to maxBatch messages, leaving in the queue those whose ordering key a
   * running batch has and stopping before one without a key (unless nothing runs); none when a batch runs and this
   * one would be under a quarter of maxBatch. 'linger': wait a little for more first.
   */
  private takeBatch(
    b: Binding,
    running: number,
    busy: Set<string>,
  ): { batch: JsMsg[]; keys: string[]; exclusive: boolean } | 'linger' | undefined {
    if (running === 0 && !b.lingered && this.options.lingerMs > 0 && b.queue.length < this.options.maxBatch) {
      b.lingered = true;
      return 'linger';
    }
    b.lingered = false;
    const keyOf = b.spec.orderingKey;
    const take: number[] = [];
    const keys: string[] = [];
    let exclusive = false;
    // In order; a message whose key a running batch holds stays for a later batch (and so does every later message
    // with that key); a message without a key ends the batch unless nothing runs.
    for (let i = 0; i < b.queue.length && take.length < this.options.maxBatch; i++) {
      const key = keyOf ? this.orderingKeyOf(b.spec, b.queue[i], keyOf) : undefined;
      if (key === undefined) {
        if (running > 0) break;
        exclusive = true;
      } else if (busy.has(key)) continue;
      else keys.push(key);
      take.push(i);
    }
    // Beside a running batch, only a batch worth its transaction.
    if (take.length === 0 || (running > 0 && take.length < this.options.maxBatch / 4)) return undefined;
    for (const k of keys) busy.add(k);
    let batch: JsMsg[];
    if (take.length === take[take.length - 1] + 1) batch = b.queue.splice(0, take.length);
    else {
      const taken = new Set(take);
      batch = take.map((i) => b.queue[i]);
      b.queue = b.queue.filter((_, i) => !taken.has(i));
    }
    return { batch, keys, exclusive };
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
        decoded = (spec.decode ?? ((m: JsMsg) => decodeEnvelope(m.data)))(msg);
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

  /** Decodes, dedupes within the batch, then applies what is left in one transaction. */
  async processBatch(binding: ConsumerBinding, msgs: JsMsg[]): Promise<void> {
    const consumer = binding.durable;
    const started = process.hrtime.bigint();
    this.metrics.batchSize.observe({ consumer }, msgs.length);
    const items: Item[] = [];
    const inBatchDuplicates: Item[] = [];
    const seen = new Set<string>();
    for (const msg of msgs) {
      if (msg.info.deliveryCount > 1) this.metrics.redeliveries.inc({ consumer });
      const envelope = this.decodeOnce(binding, msg);
      if (envelope instanceof Error) {
        await this.deadLetter(consumer, msg, envelope);
        continue;
      }
      const key = eventKey(envelope.source, envelope.id);
      const item: Item = {
        msg,
        key,
        handler: this.handlerFor(envelope.type),
        event: { envelope, subject: msg.subject, streamSeq: msg.seq, deliveryCount: msg.info.deliveryCount },
      };
      if (seen.has(key)) {
        item.outcome = { outcome: 'DUPLICATE_DELIVERY' };
        inBatchDuplicates.push(item);
      } else {
        seen.add(key);
        items.push(item);
      }
    }
    if (items.length === 0) {
      this.finish(consumer, inBatchDuplicates, started);
      return;
    }
    try {
      await this.applyInTransaction(consumer, items);
      this.finish(consumer, [...items, ...inBatchDuplicates], started);
    } catch (err) {
      if (items.length === 1) {
        await this.handleFailure(consumer, items[0], err as Error);
        this.finish(consumer, inBatchDuplicates, started);
        return;
      }
      this.log.warn({
        msg: 'batch failed, retrying its events one by one',
        consumer,
        size: items.length,
        err: (err as Error).message,
      });
      for (const item of items) {
        const one = process.hrtime.bigint();
        try {
          await this.applyInTransaction(consumer, [item]);
          this.finish(consumer, [item], one);
        } catch (itemErr) {
          await this.handleFailure(consumer, item, itemErr as Error);
        }
      }
      this.finish(consumer, inBatchDuplicates, started);
    }
  }

  private async applyInTransaction(consumer: string, items: Item[]): Promise<void> {
    const outcomes = await this.unitOfWork.run(async (tx) => {
      const entry = (i: Item): InboxEntry => ({
        source: i.event.envelope.source,
        eventId: i.event.envelope.id,
        type: i.event.envelope.type,
        subject: i.event.subject,
        streamSeq: i.event.streamSeq,
      });
      const applied = await Inbox.applied(tx.manager, consumer, items.map(entry));
      const result = new Map<Item, Item['outcome']>();
      // In delivery order: consecutive events of one batch handler (same batch name) go to it in one call; any other
      // handler breaks the run, so an event is never applied before one that preceded it in the stream.
      const runs: { key: string | MessageHandler; handler: MessageHandler; items: Item[] }[] = [];
      for (const item of items) {
        if (applied.has(item.key)) result.set(item, { outcome: 'DUPLICATE_DELIVERY' });
        else if (!item.handler) result.set(item, { outcome: 'IGNORED', reason: 'NO_HANDLER' });
        else {
          const batch = item.handler.extras?.batch as string | undefined;
          const key = typeof batch === 'string' ? `batch:${batch}` : item.handler;
          const last = runs[runs.length - 1];
          if (last && last.key === key && typeof key === 'string') last.items.push(item);
          else runs.push({ key, handler: item.handler, items: [item] });
        }
      }
      const ctx: EventBatchContext = { consumer, tx };
      for (const { key, handler, items: group } of runs) {
        if (typeof key === 'string') {
          const out = (await this.invoke(
            handler,
            group.map((i) => i.event),
            ctx,
          )) as EventOutcome[] | undefined;
          if (!Array.isArray(out) || out.length !== group.length) {
            throw new Error(`batch handler ${key} returned ${out?.length} outcomes for ${group.length} events`);
          }
          group.forEach((item, i) => result.set(item, out[i]));
        } else {
          for (const item of group) {
            const out = (await this.invoke(handler, item.event, ctx)) as EventOutcome | undefined;
            result.set(item, out ?? { outcome: 'APPLIED' });
          }
        }
      }
      await Inbox.record(
        tx.manager,
        consumer,
        items
          .filter((i) => !applied.has(i.key))
          .map((i) => {
            const o = result.get(i)!;
            return {
              ...entry(i),
              outcome: o.outcome,
              reason: 'reason' in o ? o.reason : undefined,
              detail: 'detail' in o ? o.detail : undefined,
            };
          }),
      );
      return result;
    });
    for (const item of items) item.outcome = outcomes.get(item);
  }

  private async invoke(handler: MessageHandler, data: unknown, ctx: EventBatchContext): Promise<unknown> {
    const result: unknown = await handler(data, ctx);
    return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
  }

  /** Acks the items (their effects are committed), then writes one log line per event. */
  private finish(consumer: string, items: Item[], started: bigint): void {
    if (items.length === 0) return;
    for (const item of items) item.msg.ack();
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    this.metrics.handlerDuration.observe({ consumer }, durationMs / 1000);
    for (const item of items) {
      const o = item.outcome ?? { outcome: 'APPLIED' };
      const e = item.event.envelope;
      // A label value per type a publisher can invent would grow the metrics without bound: unhandled ones share one.
      this.metrics.eventsHandled.inc({ consumer, type: item.handler ? e.type : 'unhandled', outcome: o.outcome });
      const line = {
        msg: 'event handled',
        consumer,
        eventId: e.id,
        source: e.source,
        type: e.type,
        subject: item.event.subject,
        initiativeId: e.subject,
        correlationId: e.correlationid,
        outcome: o.outcome,
        reason: 'reason' in o ? o.reason : undefined,
        detail: 'detail' in o ? o.detail : undefined,
        deliveryCount: item.event.deliveryCount,
        streamSeq: item.event.streamSeq,
        batchSize: items.length,
        durationMs: Math.round(durationMs * 10) / 10,
      };
      if (o.outcome === 'REJECTED') this.log.warn(line);
      else this.log.info(line);
    }
  }

  private async handleFailure(consumer: string, item: Item, err: Error): Promise<void> {
    const { msg } = item;
    // What no retry can fix (a PermanentEventError, a value PostgreSQL refuses for its type: SQLSTATE class 22, …)
    // is dead-lettered on this delivery, with the reason and the database's words, not after maxDeliver.
    const permanent = permanentFailureOf(err);
    // A database that cannot be reached fails every event alike: no reason to give up on this one. It is retried
    // until the database is back; only a failure while the database answers can dead-letter it past maxDeliver.
    const databaseUnavailable = !permanent && isDatabaseUnavailable(err);
    if (permanent) {
      await this.deadLetter(consumer, msg, err, permanent.reason, permanent.detail);
      return;
    }
    if (!databaseUnavailable && msg.info.deliveryCount >= this.options.maxDeliver) {
      await this.deadLetter(consumer, msg, err, 'MAX_DELIVER_EXCEEDED');
      return;
    }
    const delay = redeliveryDelayMs(msg.info.deliveryCount);
    this.log.warn({
      msg: 'event failed, will be redelivered',
      ...(databaseUnavailable ? { databaseUnavailable } : {}),
      consumer,
      eventId: item.event.envelope.id,
      source: item.event.envelope.source,
      type: item.event.envelope.type,
      initiativeId: item.event.envelope.subject,
      correlationId: item.event.envelope.correlationid,
      deliveryCount: msg.info.deliveryCount,
      retryInMs: delay,
      err: messageOf(err),
    });
    msg.nak(delay);
  }

  private async deadLetter(
    consumer: string,
    msg: JsMsg,
    err: Error,
    reasonOverride?: string,
    detailOverride?: string,
  ): Promise<void> {
    const reason = reasonOverride ?? (err instanceof PermanentEventError ? err.reason : 'HANDLER_ERROR');
    const detail = detailOverride ?? messageOf(err);
    try {
      await this.deadLetters.send(consumer, msg, reason, detail);
    } catch (dlqErr) {
      this.log.error({
        msg: 'could not dead-letter, will be redelivered',
        consumer,
        subject: msg.subject,
        streamSeq: msg.seq,
        err: (dlqErr as Error).message,
      });
      msg.nak(redeliveryDelayMs(msg.info.deliveryCount));
      return;
    }
    msg.ack();
    this.metrics.deadLetters.inc({ consumer, reason });
    this.metrics.eventsHandled.inc({ consumer, type: 'unknown', outcome: 'DEAD_LETTERED' });
    this.log.error({
      msg: 'event dead-lettered',
      consumer,
      subject: msg.subject,
      streamSeq: msg.seq,
      deliveryCount: msg.info.deliveryCount,
      reason,
      detail,
    });
  }
}

/** An error's message; a handler may throw something that is not an Error (Nest's RPC layer does: a plain object). */
function messageOf(err: unknown): string {
  const m = (err as { message?: unknown } | null | undefined)?.message;
  return typeof m === 'string' ? m : String(err);
}
