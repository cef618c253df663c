import { JetStreamClient, JetStreamPublishOptions, JsMsg, PubAck } from '@nats-io/jetstream';
import type { Payload } from '@nats-io/nats-core';
import { CtpLogger } from '@ctp/observability';
import { Transaction, UnitOfWork } from '@ctp/persistence';
import { DeadLetterEntry, DeadLetterLookup, deadLetterIdentityOf, storableDetail } from './dead-letter-lookup';
import { DeadLetterHeaders, DeadLetters } from './dead-letters';

/** Told of every dead letter recorded, in the transaction that records it (e.g. the platform's reconciliation). */
export interface DeadLetterListener {
  /** `payload`: the message's payload parsed as JSON, undefined when it is not JSON. */
  onDeadLettered(tx: Transaction, letter: DeadLetterEntry, payload: unknown): Promise<void>;
}

/** Where the broker stored a dead letter's copy, and the time its `Ctp-Dlq-Failed-At` header says. */
interface StoredCopy {
  stream: string;
  seq: number;
  failedAt: Date;
}

function positionKey(consumer: string, stream: string, seq: number | string): string {
  return `${consumer}\u0000${stream}\u0000${seq}`;
}

/**
 * `DeadLetters` that also records each dead letter in `inbox_dead_letters` once the broker has stored its copy: what
 * the message said it was (`deadLetterIdentityOf`), why, when, and the copy's sequence in the dead-letter stream, so
 * that `GET /events/:source/:id` can tell the event's fate and name the re-drive command. The copy's position comes
 * from the PubAck of the publish `DeadLetters.send` makes (a duplicate's PubAck names the copy already stored).
 *
 * Recording never changes what dead-lettering does: the copy is in the stream before the row is written, and a row
 * that cannot be written (the database down) is logged as `dead letter not recorded` — the dead letter is still
 * listed by `npm run dlq -- list`, only its event's route does not show it.
 */
export class RecordedDeadLetters extends DeadLetters {
  private readonly stored: Map<string, StoredCopy>;
  private readonly listeners: DeadLetterListener[] = [];

  constructor(
    js: JetStreamClient,
    subjectPrefix: string,
    private readonly unitOfWork: UnitOfWork,
    private readonly log: CtpLogger,
  ) {
    const stored = new Map<string, StoredCopy>();
    super(noteStoredCopies(js, stored), subjectPrefix);
    this.stored = stored;
  }

  /** Adds a listener (before the consumers start: in a constructor). */
  subscribe(listener: DeadLetterListener): void {
    this.listeners.push(listener);
  }

  override async send(consumer: string, msg: JsMsg, reason: string, detail?: string): Promise<void> {
    const key = positionKey(consumer, msg.info.stream, msg.seq);
    let copy: StoredCopy | undefined;
    try {
      await super.send(consumer, msg, reason, detail);
    } finally {
      copy = this.stored.get(key);
      this.stored.delete(key);
    }
    const { identity, payload } = deadLetterIdentityOf(msg.data, msg.headers);
    const letter: DeadLetterEntry = {
      ...identity,
      consumer,
      stream: msg.info.stream,
      streamSeq: msg.seq,
      subject: msg.subject,
      reason,
      detail: storableDetail(detail),
      deliveryCount: msg.info.deliveryCount,
      dlqStream: copy?.stream ?? null,
      dlqSeq: copy?.seq ?? null,
      deadLetteredAt: copy?.failedAt ?? new Date(),
    };
    try {
      await this.unitOfWork.run(async (tx) => {
        await DeadLetterLookup.record(tx.manager, letter);
        for (const l of this.listeners) await l.onDeadLettered(tx, letter, payload);
      });
    } catch (err) {
      this.log.error({
        msg: 'dead letter not recorded',
        consumer,
        subject: msg.subject,
        streamSeq: msg.seq,
        dlqSeq: letter.dlqSeq,
        eventId: letter.eventId,
        source: letter.source,
        err: (err as Error).message,
      });
    }
  }
}

/**
 * The same client, whose `publish` notes where the broker stored each dead letter, keyed by the consumer and the
 * original's stream and sequence that the copy's `Ctp-Dlq-*` headers name.
 */
function noteStoredCopies(js: JetStreamClient, stored: Map<string, StoredCopy>): JetStreamClient {
  const publish = async (subject: string, data?: Payload, opts?: Partial<JetStreamPublishOptions>): Promise<PubAck> => {
    const ack = await js.publish(subject, data, opts);
    const h = opts?.headers;
    const consumer = h?.get(DeadLetterHeaders.consumer);
    const stream = h?.get(DeadLetterHeaders.originalStream);
    const seq = h?.get(DeadLetterHeaders.originalSeq);
    if (consumer && stream && seq) {
      const failedAt = new Date(h?.get(DeadLetterHeaders.failedAt) ?? '');
      stored.set(positionKey(consumer, stream, seq), {
        stream: ack.stream,
        seq: ack.seq,
        failedAt: Number.isNaN(failedAt.getTime()) ? new Date() : failedAt,
      });
    }
    return ack;
  };
  return new Proxy(js, {
    get(target, prop) {
      if (prop === 'publish') return publish;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
