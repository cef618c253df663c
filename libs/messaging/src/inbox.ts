import { EntityManager } from 'typeorm';

export interface InboxEntry {
  source: string;
  eventId: string;
  type: string;
  subject: string;
  streamSeq: number;
}

export interface InboxOutcome {
  source: string;
  eventId: string;
  outcome: string;
  reason?: string;
  detail?: string;
}

/** What the inbox holds of one event for one consumer: when it came, and what applying it amounted to. */
export interface InboxRecord {
  consumer: string;
  source: string;
  eventId: string;
  type: string;
  subject: string;
  streamSeq: number;
  /** APPLIED, IGNORED or REJECTED (DUPLICATE_DELIVERY is not stored: it is "already here"). */
  outcome: string | null;
  reason: string | null;
  detail: string | null;
  receivedAt: Date;
  decidedAt: Date | null;
}

/** `source` and `id` together identify a CloudEvent. */
export function eventKey(source: string, eventId: string): string {
  return `${source}\u0000${eventId}`;
}

/**
 * The durable inbox: which events this consumer has applied, for the life of the system (not only the broker's
 * dedupe window), written in the same transaction as their effects — one statement to look a batch up, one to record
 * it once applied.
 *
 * Two deliveries of one event applied at the same time (a redelivery to another instance while the first still works
 * on it) cannot both commit: the second `record` waits on the first's row, then fails on the primary key, and its
 * transaction — effects included — rolls back; applied again, the event is found already applied.
 */
export class Inbox {
  /** The keys (see `eventKey`) of these events that this consumer has applied already. */
  static async applied(manager: EntityManager, consumer: string, entries: InboxEntry[]): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    // Driven by the keys (unnest): an index lookup each, whatever the table's statistics say.
    const rows: { source: string; event_id: string }[] = await manager.query(
      `SELECT i.source, i.event_id
         FROM unnest($2::text[], $3::text[]) AS x(s, e)
         JOIN inbox_events i ON i.consumer = $1 AND i.source = x.s AND i.event_id = x.e`,
      [consumer, entries.map((e) => e.source), entries.map((e) => e.eventId)],
    );
    return new Set(rows.map((r) => eventKey(r.source, r.event_id)));
  }

  /** Records the events as applied, with what applying each amounted to, in one statement. */
  static async record(
    manager: EntityManager,
    consumer: string,
    entries: (InboxEntry & Omit<InboxOutcome, 'source' | 'eventId'>)[],
  ): Promise<void> {
    if (entries.length === 0) return;
    await manager.query(
      `INSERT INTO inbox_events
         (consumer, source, event_id, event_type, subject, stream_seq, outcome, reason, detail, decided_at)
       SELECT $1, s, e, t, j, q, o, r, d, clock_timestamp()
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[])
              AS x(s, e, t, j, q, o, r, d)`,
      [
        consumer,
        entries.map((e) => e.source),
        entries.map((e) => e.eventId),
        entries.map((e) => e.type),
        entries.map((e) => e.subject),
        entries.map((e) => e.streamSeq),
        entries.map((e) => e.outcome),
        entries.map((e) => e.reason ?? null),
        entries.map((e) => e.detail ?? null),
      ],
    );
  }

  /** What the inbox holds of one event, one row per consumer that received it, the first received first. */
  static async outcomesOf(manager: EntityManager, source: string, eventId: string): Promise<InboxRecord[]> {
    const rows: {
      consumer: string;
      source: string;
      event_id: string;
      event_type: string;
      subject: string;
      stream_seq: string;
      outcome: string | null;
      reason: string | null;
      detail: string | null;
      received_at: Date;
      decided_at: Date | null;
    }[] = await manager.query(
      `SELECT consumer, source, event_id, event_type, subject, stream_seq, outcome, reason, detail, received_at, decided_at
         FROM inbox_events WHERE source = $1 AND event_id = $2 ORDER BY received_at`,
      [source, eventId],
    );
    return rows.map((r) => ({
      consumer: r.consumer,
      source: r.source,
      eventId: r.event_id,
      type: r.event_type,
      subject: r.subject,
      streamSeq: Number(r.stream_seq),
      outcome: r.outcome,
      reason: r.reason,
      detail: r.detail,
      receivedAt: r.received_at,
      decidedAt: r.decided_at,
    }));
  }

  /** Per source, the event received last (by any consumer) and when; nulls for a source none came from. */
  static async lastReceived(
    manager: EntityManager,
    sources: string[],
  ): Promise<Map<string, { eventId: string | null; receivedAt: Date | null }>> {
    if (sources.length === 0) return new Map();
    const rows: { source: string; event_id: string | null; received_at: Date | null }[] = await manager.query(
      `SELECT s AS source,
              (SELECT i.event_id FROM inbox_events i WHERE i.source = s ORDER BY i.received_at DESC LIMIT 1) AS event_id,
              (SELECT max(i.received_at) FROM inbox_events i WHERE i.source = s) AS received_at
         FROM unnest($1::text[]) AS s`,
      [sources],
    );
    return new Map(rows.map((r) => [r.source, { eventId: r.event_id, receivedAt: r.received_at }]));
  }
}
