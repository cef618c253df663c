import { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { CtpLogger } from '@ctp/observability';
import { Transaction, UnitOfWork } from '@ctp/persistence';
import { DeadLetterEntry, DeadLetterLookup, deadLetterIdentityOf, storableDetail } from './dead-letter-lookup';
import { DeadLetterCopy, DeadLetters, StoredDeadLetter } from './dead-letters';

/** Told of every dead letter recorded, in the transaction that records it (e.g. the platform's reconciliation). */
export interface DeadLetterListener {
  /**
   * `payload`: the envelope as structured mode carries it — a structured message's payload parsed as JSON (undefined
   * when it is not JSON); for a binary-mode message, its `ce-` attributes with the body as `data` (`deadLetterIdentityOf`).
   */
  onDeadLettered(tx: Transaction, letter: DeadLetterEntry, payload: unknown): Promise<void>;
}

/**
 * `DeadLetters` that also records each dead letter in `inbox_dead_letters` once the broker has stored its copy: what
 * the message said it was (`deadLetterIdentityOf`), why, when, and the copy's sequence in the dead-letter stream, so
 * that `GET /events/:source/:id` can tell the event's fate and name the re-drive command. The copy's position is
 * what `DeadLetters.send` answers (a duplicate's PubAck names the copy already stored).
 *
 * Recording never changes what dead-lettering does: the copy is in the stream before the row is written, and a row
 * that cannot be written (the database down) is logged as `dead letter not recorded` — the dead letter is still
 * listed by `npm run dlq -- list`, only its event's route does not show it. Without a copy (`RecordOnlyDeadLetters`)
 * the row is the only record: one that cannot be written is thrown, so the message is redelivered.
 */
export class RecordedDeadLetters extends DeadLetters {
  private readonly listeners: DeadLetterListener[] = [];

  constructor(
    js: JetStreamClient,
    subjectPrefix: string,
    private readonly unitOfWork: UnitOfWork,
    private readonly log: CtpLogger,
  ) {
    super(js, subjectPrefix);
  }

  /** Adds a listener (before the consumers start: in a constructor). */
  subscribe(listener: DeadLetterListener): void {
    this.listeners.push(listener);
  }

  override async send(consumer: string, msg: JsMsg, reason: string, detail?: string): Promise<StoredDeadLetter> {
    const copy = await super.send(consumer, msg, reason, detail);
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
      dlqStream: copy.stream,
      dlqSeq: copy.seq,
      deadLetteredAt: copy.failedAt,
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
      if (copy.seq === null) throw err;
    }
    return copy;
  }
}

/**
 * `RecordedDeadLetters` that publish nothing: each dead letter is recorded in `inbox_dead_letters` (and told to the
 * listeners) as usual, without a copy in the dead-letter stream (`dlqStream` and `dlqSeq` null). For a rebuild
 * (`npm run platform:rebuild`), which replays every message ever stored into a database of its own: its read model
 * gets the same dead letters as the live one, while the live dead-letter stream — what operators are alerted on and
 * re-drive — gets no copy of old bad messages under the rebuild's temporary consumers.
 */
export class RecordOnlyDeadLetters extends RecordedDeadLetters {
  protected override async store(): Promise<DeadLetterCopy> {
    return { stream: null, seq: null };
  }
}
