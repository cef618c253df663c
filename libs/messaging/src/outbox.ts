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

/** Something to call once events are committed, so they leave at once instead of at the next poll. */
export interface OutboxWakeUp {
  wake(): void;
}

/**
 * Writes outgoing events in the caller's transaction: they exist if and only if the state change committed.
 * One INSERT for all the events of a transaction.
 */
export class OutboxWriter {
  constructor(private readonly relay: OutboxWakeUp) {}

  async append(tx: Transaction, events: OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Chunked: PostgreSQL takes at most 65,535 parameters per statement (a detection run can flag thousands of pairs).
    for (let i = 0; i < events.length; i += MAX_EVENTS_PER_STATEMENT) {
      const params: unknown[] = [];
      const values = valuesOf(events.slice(i, i + MAX_EVENTS_PER_STATEMENT), params);
      await tx.manager.query(
        `INSERT INTO outbox_events (event_id, subject, payload, correlation_id) VALUES ${values}`,
        params,
      );
    }
    tx.afterCommit(() => this.relay.wake());
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
       RETURNING event_id`,
      params,
    )) as unknown[];
    if (written.length === 0) return false;
    this.relay.wake();
    return true;
  }
}

/** Events per INSERT: four parameters each, well under PostgreSQL's 65,535. */
export const MAX_EVENTS_PER_STATEMENT = 5000;

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
