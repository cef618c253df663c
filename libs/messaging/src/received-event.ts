import { CloudEvent } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';

/** One event as a handler sees it: the decoded envelope and where it came from in the stream. */
export interface ReceivedEvent<T = unknown> {
  envelope: CloudEvent<T>;
  subject: string;
  streamSeq: number;
  deliveryCount: number;
}

/** What a handler gets beside its events: the batch's transaction (effects + inbox commit together). */
export interface EventBatchContext {
  consumer: string;
  tx: Transaction;
}

export type EventOutcomeKind = 'APPLIED' | 'IGNORED' | 'REJECTED';

/** What applying one event amounted to. IGNORED and REJECTED are decisions, not failures: the event is acked. */
export interface EventOutcome {
  outcome: EventOutcomeKind;
  /** A stable code, e.g. STALE_VERSION, INVALID_DATES. */
  reason?: string;
  /** Words for a person: which field, which rule. */
  detail?: string;
}

/**
 * `@EventPattern(types, batchOf('initiative-events'))` marks a handler that takes all of a fetched batch's events of
 * its types at once, in the order they were delivered. The name groups the events: Nest registers one function per
 * pattern of a method, so the transport must not group by function (that would split a batch by event type and
 * reorder an initiative's versions).
 */
export function batchOf(name: string): { batch: string } {
  return { batch: name };
}
