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

/** `source` and `id` together identify a CloudEvent. */
export function eventKey(source: string, eventId: string): string {
  return `${source}\u0000${eventId}`;
}

/**
 * The durable inbox: which events this consumer has applied, for the life of the system (not only the broker's
 * dedupe window). Claiming is done in the same transaction as the effects, for a whole batch in one statement: a
 * concurrent claim of the same event waits on the row lock and then sees it taken.
 */
export class Inbox {
  /** Returns the keys (see `eventKey`) that were new, i.e. that this transaction now owns and must apply. */
  static async claim(manager: EntityManager, consumer: string, entries: InboxEntry[]): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    const rows: { source: string; event_id: string }[] = await manager.query(
      `INSERT INTO inbox_events (consumer, source, event_id, event_type, subject, stream_seq)
       SELECT $1, s, e, t, j, q FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS x(s, e, t, j, q)
       ON CONFLICT (consumer, source, event_id) DO NOTHING
       RETURNING source, event_id`,
      [
        consumer,
        entries.map((e) => e.source),
        entries.map((e) => e.eventId),
        entries.map((e) => e.type),
        entries.map((e) => e.subject),
        entries.map((e) => e.streamSeq),
      ],
    );
    return new Set(rows.map((r) => eventKey(r.source, r.event_id)));
  }

  /** Records what applying each claimed event amounted to, in one statement. */
  static async recordOutcomes(manager: EntityManager, consumer: string, outcomes: InboxOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await manager.query(
      `UPDATE inbox_events AS i SET outcome = x.o, reason = x.r, detail = x.d, decided_at = clock_timestamp()
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(s, e, o, r, d)
        WHERE i.consumer = $1 AND i.source = x.s AND i.event_id = x.e`,
      [
        consumer,
        outcomes.map((o) => o.source),
        outcomes.map((o) => o.eventId),
        outcomes.map((o) => o.outcome),
        outcomes.map((o) => o.reason ?? null),
        outcomes.map((o) => o.detail ?? null),
      ],
    );
  }
}
