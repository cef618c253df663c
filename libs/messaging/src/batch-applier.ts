import { MessageHandler } from '@nestjs/microservices';
import { CloudEvent } from '@ctp/contracts';
import { JsMsg } from '@nats-io/jetstream';
import { CtpLogger, Metrics } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { isObservable, lastValueFrom } from 'rxjs';
import { redeliveryDelayMs } from './backoff';
import { DeadLetters } from './dead-letters';
import { DeadLetterNow, failureDecision, messageOf, undecodableDecision } from './failure-policy';
import { Inbox, InboxEntry, eventKey } from './inbox';
import { EventBatchContext, EventOutcome, ReceivedEvent } from './received-event';

interface Item {
  msg: JsMsg;
  event: ReceivedEvent;
  key: string;
  handler: MessageHandler | null;
  outcome?: EventOutcome | { outcome: 'DUPLICATE_DELIVERY' };
}

/** The message's envelope, or why it cannot be decoded (the transport decodes once, for its key and for this). */
export type DecodeMessage = (msg: JsMsg) => CloudEvent | Error;

/** Who handles an event type (Nest's handlers, registered with the transport), or null. */
export type HandlerLookup = (type: string) => MessageHandler | null;

/**
 * Applies one batch of a consumer: decodes it, drops in-batch duplicates, looks it up in the inbox, runs the
 * handlers on the events not applied yet and records their inbox rows with the outcomes — all in one PostgreSQL
 * transaction —, then acks every message. When that transaction fails, its events are applied one per transaction,
 * so a bad one is isolated; one that still fails is dead-lettered or nak'ed as `failureDecision` says.
 */
export class BatchApplier {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly deadLetters: DeadLetters,
    private readonly log: CtpLogger,
    private readonly metrics: Metrics,
    private readonly maxDeliver: number,
    private readonly handlerFor: HandlerLookup,
  ) {}

  /** Decodes, dedupes within the batch, then applies what is left in one transaction. */
  async apply(consumer: string, msgs: JsMsg[], decode: DecodeMessage): Promise<void> {
    const started = process.hrtime.bigint();
    this.metrics.batchSize.observe({ consumer }, msgs.length);
    const items: Item[] = [];
    const inBatchDuplicates: Item[] = [];
    const seen = new Set<string>();
    for (const msg of msgs) {
      if (msg.info.deliveryCount > 1) this.metrics.redeliveries.inc({ consumer });
      const envelope = decode(msg);
      if (envelope instanceof Error) {
        await this.deadLetter(consumer, msg, undecodableDecision(envelope));
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
    for (const segment of segments(items)) await this.applySegment(consumer, segment, started);
    this.finish(consumer, inBatchDuplicates, started);
  }

  /** Applies events in one transaction; when it fails, one per transaction. */
  private async applySegment(consumer: string, items: Item[], started: bigint): Promise<void> {
    try {
      await this.applyInTransaction(consumer, items);
      this.finish(consumer, items, started);
    } catch (err) {
      if (items.length === 1) {
        await this.handleFailure(consumer, items[0], err as Error);
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
          const out = (await invoke(
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
            const out = (await invoke(handler, item.event, ctx)) as EventOutcome | undefined;
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

  /** Carries out the failure policy's decision for an event whose own transaction failed. */
  private async handleFailure(consumer: string, item: Item, err: Error): Promise<void> {
    const { msg } = item;
    const decision = failureDecision(err, msg.info.deliveryCount, this.maxDeliver);
    if (decision.action === 'DEAD_LETTER') {
      await this.deadLetter(consumer, msg, decision);
      return;
    }
    const { databaseUnavailable, delayMs } = decision;
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
      retryInMs: delayMs,
      err: messageOf(err),
    });
    msg.nak(delayMs);
  }

  private async deadLetter(consumer: string, msg: JsMsg, { reason, detail }: DeadLetterNow): Promise<void> {
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

/** The name a batch handler shares its runs under, or undefined for a handler called once per event. */
function batchOf(item: Item): string | undefined {
  const batch = item.handler?.extras?.batch;
  return typeof batch === 'string' ? batch : undefined;
}

/**
 * The batch cut where a batch handler would otherwise be called a second time in one transaction (its events, another
 * handler's, then its events again: a registry batch, a digest, more registry events). A batch handler locks its
 * keys in one statement, in one order (lockKeys), so that two replicas' transactions wait for each other instead of
 * deadlocking; called twice in one transaction it would take its locks in two steps, and two replicas could each
 * hold what the other's second step waits for. Each part is applied in a transaction of its own, in stream order.
 */
function segments(items: Item[]): Item[][] {
  const out: Item[][] = [];
  let current: Item[] = [];
  let called = new Set<string>();
  let last: string | undefined;
  for (const item of items) {
    // An event no handler takes is recorded in the inbox only: it runs nothing and breaks no run.
    if (!item.handler) {
      current.push(item);
      continue;
    }
    const batch = batchOf(item);
    if (batch !== undefined && batch !== last && called.has(batch)) {
      out.push(current);
      current = [];
      called = new Set();
    }
    if (batch !== undefined) called.add(batch);
    last = batch;
    current.push(item);
  }
  if (current.length > 0) out.push(current);
  return out;
}

async function invoke(handler: MessageHandler, data: unknown, ctx: EventBatchContext): Promise<unknown> {
  const result: unknown = await handler(data, ctx);
  return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
}
