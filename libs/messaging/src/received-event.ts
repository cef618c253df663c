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

/** `@EventPattern(type, BATCH)` marks a handler that takes all of a fetched batch's events of its types at once. */
export const BATCH = { batch: true } as const;
