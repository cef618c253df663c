import { randomUUID } from 'node:crypto';
import { CloudEvent } from '@ctp/contracts';
import { currentCorrelationId } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';

export interface OutgoingEvent<T = unknown> {
  subject: string;
  envelope: CloudEvent<T>;
}

export interface NewEventSpec<T> {
  source: string;
  type: string;
  subject: string;
  /** CloudEvents `subject`: the initiative id for initiative events. */
  about?: string;
  dataschema?: string;
  data: T;
  time?: string;
  causationId?: string;
  correlationId?: string;
}

/** Builds the CloudEvents envelope, carrying the current correlation id unless one is given. */
export function newEvent<T>(spec: NewEventSpec<T>): OutgoingEvent<T> {
  const correlationid = spec.correlationId || currentCorrelationId();
  const envelope: CloudEvent<T> = {
    specversion: '1.0',
    id: randomUUID(),
    source: spec.source,
    type: spec.type,
    ...(spec.about ? { subject: spec.about } : {}),
    time: spec.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    ...(spec.dataschema ? { dataschema: spec.dataschema } : {}),
    ...(correlationid ? { correlationid } : {}),
    ...(spec.causationId ? { causationid: spec.causationId } : {}),
    data: spec.data,
  };
  return { subject: spec.subject, envelope };
}

/** An outbox row as the relay publishes it. */
export interface OutboxRow {
  id: string;
  event_id: string;
  subject: string;
  payload: string;
  correlation_id: string | null;
}

/** Something to call once events are committed, so they leave at once instead of at the next poll. */
export interface OutboxWakeUp {
  /** Rows were committed somewhere (possibly another thread or process): look in the table. */
  wake(): void;
  /** These rows were just committed by this process: they may be published without reading them back. */
  committed?(rows: OutboxRow[]): void;
}

/**
 * Writes outgoing events in the caller's transaction: they exist if and only if the state change committed.
 * One INSERT for all the events of a transaction.
 */
export class OutboxWriter {
  constructor(private readonly relay: OutboxWakeUp) {}

  async append(tx: Transaction, events: OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows: OutboxRow[] = [];
    // Chunked: PostgreSQL takes at most 65,535 parameters per statement (a detection run can flag thousands of pairs).
    for (let i = 0; i < events.length; i += MAX_EVENTS_PER_STATEMENT) {
      const params: unknown[] = [];
      const values = valuesOf(events.slice(i, i + MAX_EVENTS_PER_STATEMENT), params);
      const ids: { id: string; event_id: string }[] = await tx.manager.query(
        `INSERT INTO outbox_events (event_id, subject, payload, correlation_id) VALUES ${values} RETURNING id, event_id`,
        params,
      );
      rows.push(...rowsOf(ids, params));
    }
    tx.afterCommit(() => this.handOver(rows));
  }

  /**
   * The state change and its events in one statement, so in one round trip and atomic without BEGIN/COMMIT: `write`
   * is a data-modifying statement with a RETURNING clause; the events (at most MAX_EVENTS_PER_STATEMENT) are written
   * only if it returned a row. Says whether it did (then the events are stored and the relay is woken).
   */
  async appendWith(
    runner: { query(sql: string, params: unknown[]): Promise<unknown> },
    write: { sql: string; params: unknown[] },
    events: OutgoingEvent[],
  ): Promise<boolean> {
    if (events.length === 0 || events.length > MAX_EVENTS_PER_STATEMENT)
      throw new Error(`appendWith takes 1 to ${MAX_EVENTS_PER_STATEMENT} events, not ${events.length}`);
    const params = [...write.params];
    const values = valuesOf(events, params);
    const written = (await runner.query(
      `WITH w AS (${write.sql})
       INSERT INTO outbox_events (event_id, subject, payload, correlation_id)
       SELECT v.* FROM (VALUES ${values}) AS v(event_id, subject, payload, correlation_id)
        WHERE EXISTS (SELECT 1 FROM w)
       RETURNING id, event_id`,
      params,
    )) as { id: string; event_id: string }[];
    if (written.length === 0) return false;
    this.handOver(rowsOf(written, params.slice(write.params.length)));
    return true;
  }

  private handOver(rows: OutboxRow[]): void {
    if (this.relay.committed) this.relay.committed(rows);
    else this.relay.wake();
  }
}

/** Events per INSERT: four parameters each, well under PostgreSQL's 65,535. */
export const MAX_EVENTS_PER_STATEMENT = 5000;

/**
 * The rows as stored, from the ids the INSERT returned and the four parameters per event `valuesOf` pushed (matched by
 * event id, not by position: RETURNING promises no order).
 */
function rowsOf(inserted: { id: string; event_id: string }[], eventParams: unknown[]): OutboxRow[] {
  const idOf = new Map(inserted.map((r) => [r.event_id, String(r.id)]));
  const rows: OutboxRow[] = [];
  for (let at = 0; at < eventParams.length; at += 4) {
    const id = idOf.get(eventParams[at] as string);
    if (id === undefined) continue;
    rows.push({
      id,
      event_id: eventParams[at] as string,
      subject: eventParams[at + 1] as string,
      payload: eventParams[at + 2] as string,
      correlation_id: eventParams[at + 3] as string | null,
    });
  }
  return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/** `($n, $n+1, $n+2, $n+3), …` for the events, their values pushed onto `params` after what it holds already. */
function valuesOf(events: OutgoingEvent[], params: unknown[]): string {
  return events
    .map((e) => {
      const at = params.length;
      params.push(e.envelope.id, e.subject, JSON.stringify(e.envelope), e.envelope.correlationid ?? null);
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4})`;
    })
    .join(', ');
}
