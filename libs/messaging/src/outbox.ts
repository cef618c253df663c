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
    const params: unknown[] = [];
    const rows = events.map((e, i) => {
      params.push(e.envelope.id, e.subject, JSON.stringify(e.envelope), e.envelope.correlationid ?? null);
      return `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`;
    });
    await tx.manager.query(
      `INSERT INTO outbox_events (event_id, subject, payload, correlation_id) VALUES ${rows.join(', ')}`,
      params,
    );
    tx.afterCommit(() => this.relay.wake());
  }
}
