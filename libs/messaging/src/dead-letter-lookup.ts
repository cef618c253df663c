import { Match } from '@nats-io/nats-core';
import { EntityManager } from 'typeorm';
import { envelopeViewOf, MessageHeaders } from './envelope-decoder';

/** Set by `npm run dlq -- redrive` on the copy it publishes: the dead-letter stream sequence it was re-driven from. */
export const REDRIVEN_FROM_HEADER = 'Ctp-Redriven-From';

/** Longest source, id or type kept: a longer one is no real event's, and would not fit a btree index entry. */
const MAX_IDENTITY_LENGTH = 1000;

/** What a dead-lettered message is known by: whatever it carried, even when it is not a valid envelope. */
export interface DeadLetterIdentity {
  /** The event's `source`: the envelope's, or in CloudEvents binary mode the `ce-source` header; null if none. */
  source: string | null;
  /** The event's `id` (the envelope's, or in binary mode the `ce-id` header), else `Nats-Msg-Id`; null if none. */
  eventId: string | null;
  /** The event's `type`: the envelope's, or in binary mode the `ce-type` header. */
  type: string | null;
  /** The message's `Nats-Msg-Id` (the relays set it to the event id). */
  natsMsgId: string | null;
  /** The dead-letter sequence it was re-driven from (`Ctp-Redriven-From`), if it is a re-driven copy. */
  redrivenFrom: number | null;
}

/** One message a consumer gave up on, as `inbox_dead_letters` keeps it. */
export interface DeadLetterEntry extends DeadLetterIdentity {
  consumer: string;
  /** Where the message was: its stream and sequence there (the row's key), and its subject. */
  stream: string;
  streamSeq: number;
  subject: string;
  reason: string;
  detail: string | null;
  deliveryCount: number;
  /** Where its copy went: the dead-letter stream and its sequence there (`npm run dlq -- redrive <dlqSeq>`). */
  dlqStream: string | null;
  dlqSeq: number | null;
  deadLetteredAt: Date;
}

/** The headers as a dead-lettered message carries them (nats' MsgHdrs, or none). */
interface HeaderReader extends MessageHeaders {
  get(k: string, match?: Match): string;
}

/**
 * Who a dead-lettered message says it is, and its payload parsed (undefined when it is not JSON), read as the consumer
 * read it (`contentModeOf`, the decoder's own reading: `Content-Type: application/cloudevents…` is structured, else
 * `ce-` headers make it binary): in structured mode from the envelope (the body) alone — `ce-` headers are ignored
 * there, as the decoder ignores them (docs/contract.md), so a body that is not JSON names no source, id or type; in
 * binary mode from the `ce-id`, `ce-source` and `ce-type` headers, decoded as the decoder does (`envelopeViewOf`), and
 * the payload is then the envelope they make with the body as `data` (what a structured message would have carried);
 * in both, then the id from `Nats-Msg-Id`. Who may claim which source is not decided here: a row is matched to a
 * source only on that source's own subjects (`DeadLetterLookup.lettersOf`). Pure, and never throws: the message may
 * be anything at all — that is often why it is dead.
 */
export function deadLetterIdentityOf(
  data: Uint8Array,
  headers: HeaderReader | undefined,
): { identity: DeadLetterIdentity; payload: unknown } {
  const natsMsgId = identityText(headers?.get('Nats-Msg-Id'));
  const redriven = Number(headers?.get(REDRIVEN_FROM_HEADER) || NaN);
  const redrivenFrom = Number.isSafeInteger(redriven) && redriven > 0 ? redriven : null;
  const view = envelopeViewOf(data, headers);
  if (view.mode === 'binary') {
    const e = view.envelope ?? {};
    return {
      payload: view.envelope,
      identity: {
        source: identityText(e.source),
        eventId: identityText(e.id) ?? natsMsgId,
        type: identityText(e.type),
        natsMsgId,
        redrivenFrom,
      },
    };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    payload = undefined;
  }
  const envelope = view.envelope ?? {};
  return {
    payload,
    identity: {
      source: identityText(envelope.source),
      eventId: identityText(envelope.id) ?? natsMsgId,
      type: identityText(envelope.type),
      natsMsgId,
      redrivenFrom,
    },
  };
}

/** A non-empty string PostgreSQL can store and index (no NUL, not absurdly long), or null. */
function identityText(v: unknown): string | null {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_IDENTITY_LENGTH || v.includes('\u0000')) return null;
  return v;
}

/** Text PostgreSQL can store: a NUL becomes U+FFFD, at most 1,000 characters (as the dead letter's header). */
export function storableDetail(detail: string | undefined | null): string | null {
  if (!detail) return null;
  return detail.replaceAll('\u0000', '\uFFFD').slice(0, 1000);
}

interface DeadLetterRow {
  consumer: string;
  stream: string;
  stream_seq: string;
  subject: string;
  source: string | null;
  event_id: string | null;
  event_type: string | null;
  nats_msg_id: string | null;
  reason: string;
  detail: string | null;
  delivery_count: number;
  dlq_stream: string | null;
  dlq_seq: string | null;
  redriven_from: string | null;
  dead_lettered_at: Date;
}

/**
 * `inbox_dead_letters`: what each consumer dead-lettered, written when it did (`RecordedDeadLetters`), so an event's
 * fate is found by an index lookup — never by reading the dead-letter stream, which a service's identity may not read.
 */
export class DeadLetterLookup {
  /** Records a dead letter; the same message dead-lettered again (after a crash, a re-drive) updates its row. */
  static async record(manager: EntityManager, e: DeadLetterEntry): Promise<void> {
    await manager.query(
      `INSERT INTO inbox_dead_letters
         (consumer, stream, stream_seq, subject, source, event_id, event_type, nats_msg_id, reason, detail,
          delivery_count, dlq_stream, dlq_seq, redriven_from, dead_lettered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (consumer, stream, stream_seq) DO UPDATE
         SET reason = excluded.reason, detail = excluded.detail, delivery_count = excluded.delivery_count,
             dlq_stream = excluded.dlq_stream, dlq_seq = excluded.dlq_seq,
             dead_lettered_at = excluded.dead_lettered_at`,
      [
        e.consumer,
        e.stream,
        e.streamSeq,
        e.subject,
        e.source,
        e.eventId,
        e.type,
        e.natsMsgId,
        e.reason,
        e.detail,
        e.deliveryCount,
        e.dlqStream,
        e.dlqSeq,
        e.redrivenFrom,
        e.deadLetteredAt,
      ],
    );
  }

  /**
   * The dead letters of one event, oldest first: those whose id (envelope, `ce-id` or `Nats-Msg-Id`) is `eventId`,
   * that came on a subject starting with `subjectPrefix` — the subjects only that source may publish on (NATS
   * permissions) — and that named `source` or no source at all. A message is anyone's to label, so whatever source it
   * names is believed only on that source's own subjects (as reconciliation believes a dead letter, sync/refusals.ts):
   * another publisher's message naming this source, on its own subject, is not this source's dead letter. Without
   * `subjectPrefix` (a source no publisher has), only rows naming `source` match. Index lookups on the id, whatever
   * the size of the table.
   */
  static async lettersOf(
    manager: EntityManager,
    source: string,
    eventId: string,
    subjectPrefix?: string,
  ): Promise<DeadLetterEntry[]> {
    const rows: DeadLetterRow[] = await manager.query(
      `SELECT consumer, stream, stream_seq, subject, source, event_id, event_type, nats_msg_id, reason, detail,
              delivery_count, dlq_stream, dlq_seq, redriven_from, dead_lettered_at
         FROM inbox_dead_letters
        WHERE (event_id = $2 OR nats_msg_id = $2)
          AND CASE WHEN $3::text IS NULL THEN source = $1
                   ELSE left(subject, length($3::text)) = $3::text AND (source = $1 OR source IS NULL) END
        ORDER BY dead_lettered_at, dlq_seq`,
      [source, eventId, subjectPrefix ?? null],
    );
    return rows.map((r) => ({
      consumer: r.consumer,
      stream: r.stream,
      streamSeq: Number(r.stream_seq),
      subject: r.subject,
      source: r.source,
      eventId: r.event_id,
      type: r.event_type,
      natsMsgId: r.nats_msg_id,
      reason: r.reason,
      detail: r.detail,
      deliveryCount: r.delivery_count,
      dlqStream: r.dlq_stream,
      dlqSeq: r.dlq_seq === null ? null : Number(r.dlq_seq),
      redrivenFrom: r.redriven_from === null ? null : Number(r.redriven_from),
      deadLetteredAt: r.dead_lettered_at,
    }));
  }
}
