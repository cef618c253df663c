import { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, MsgHdrs } from '@nats-io/nats-core';
import { JetStreamNames } from '@ctp/contracts';

export const DeadLetterHeaders = {
  reason: 'Ctp-Dlq-Reason',
  detail: 'Ctp-Dlq-Detail',
  originalSubject: 'Ctp-Dlq-Original-Subject',
  originalStream: 'Ctp-Dlq-Original-Stream',
  originalSeq: 'Ctp-Dlq-Original-Seq',
  deliveryCount: 'Ctp-Dlq-Delivery-Count',
  consumer: 'Ctp-Dlq-Consumer',
  failedAt: 'Ctp-Dlq-Failed-At',
  /** The original's Nats-Msg-Id (the copy has its own): what identifies a message without an envelope id or ce-id. */
  originalMsgId: 'Ctp-Dlq-Original-Msg-Id',
} as const;

/** A dead letter this process sent, as an operator's summary shows it: why and where from, never the payload. */
export interface DeadLetterNote {
  consumer: string;
  /** The original subject. */
  subject: string;
  reason: string;
  detail?: string;
  /** ISO time it was dead-lettered. */
  at: string;
}

/** Dead letters remembered by `recent()`. */
const RECENT_KEPT = 20;

/** Where `npm run dlq -- redrive` records each re-drive, in the dead-letter stream beside the dead letters. */
export const DEAD_LETTER_REDRIVE_SUBJECT = `${JetStreamNames.deadLetterSubjectPrefix}._redriven`;

/**
 * Where the broker stored a dead letter's copy, and when it was dead-lettered (its `Ctp-Dlq-Failed-At`). No position
 * (`stream` and `seq` null) when nothing was published: `RecordOnlyDeadLetters`, a rebuild's.
 */
export interface StoredDeadLetter {
  stream: string | null;
  seq: number | null;
  failedAt: Date;
}

/** Where a dead letter's copy went in the dead-letter stream, if it went there at all. */
export interface DeadLetterCopy {
  stream: string | null;
  seq: number | null;
}

/**
 * Copies a message that cannot be applied to the dead-letter stream, with why, where it came from and how often it
 * was tried. The copy's Nats-Msg-Id is derived from the original's stream position, so if we crash between this
 * publish and the ack, the redelivered message is dead-lettered again without a second copy.
 */
export class DeadLetters {
  private readonly notes: DeadLetterNote[] = [];

  constructor(
    protected readonly js: JetStreamClient,
    private readonly subjectPrefix: string,
  ) {}

  /** Copies `msg` to the dead-letter stream; answers where the broker stored the copy (a duplicate: the one stored). */
  async send(consumer: string, msg: JsMsg, reason: string, detail?: string): Promise<StoredDeadLetter> {
    const h = natsHeaders();
    if (msg.headers) {
      for (const [k, v] of msg.headers) {
        if (k !== 'Nats-Msg-Id') for (const value of v) h.append(k, value);
      }
    }
    h.set(DeadLetterHeaders.reason, reason);
    if (detail) h.set(DeadLetterHeaders.detail, detail.replace(/[\r\n]+/g, ' ').slice(0, 1000));
    h.set(DeadLetterHeaders.originalSubject, msg.subject);
    h.set(DeadLetterHeaders.originalStream, msg.info.stream);
    h.set(DeadLetterHeaders.originalSeq, String(msg.seq));
    h.set(DeadLetterHeaders.deliveryCount, String(msg.info.deliveryCount));
    const originalMsgId = msg.headers?.get('Nats-Msg-Id');
    if (originalMsgId) h.set(DeadLetterHeaders.originalMsgId, originalMsgId);
    h.set(DeadLetterHeaders.consumer, consumer);
    const at = new Date().toISOString();
    h.set(DeadLetterHeaders.failedAt, at);
    const copy = await this.store(`${this.subjectPrefix}.${consumer}.${msg.subject}`, msg.data, {
      msgID: `dlq:${consumer}:${msg.info.stream}:${msg.seq}`,
      headers: h,
    });
    this.notes.push({
      consumer,
      subject: msg.subject,
      reason,
      ...(detail ? { detail: h.get(DeadLetterHeaders.detail) } : {}),
      at,
    });
    if (this.notes.length > RECENT_KEPT) this.notes.shift();
    return { stream: copy.stream, seq: copy.seq, failedAt: new Date(at) };
  }

  /** Publishes the copy to the dead-letter stream; answers where the broker stored it. */
  protected async store(
    subject: string,
    data: Uint8Array,
    options: { msgID: string; headers: MsgHdrs },
  ): Promise<DeadLetterCopy> {
    const ack = await this.js.publish(subject, data, options);
    return { stream: ack.stream, seq: ack.seq };
  }

  /**
   * The last dead letters this process sent (at most 20, newest first) since it started: what an operator's summary
   * shows of them (a service's identity may not read the dead-letter stream; `npm run dlq` reads it as admin).
   */
  recent(): DeadLetterNote[] {
    return [...this.notes].reverse();
  }
}
