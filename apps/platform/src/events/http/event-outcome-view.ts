import { DeadLetterEntry } from '@ctp/messaging';
import { EventFate } from '../application/event-outcomes';
import { inspectCommand, mayStillBeRedriven, redriveCommand } from '../domain/event-fate';

/** One time a consumer of the platform gave up on the event and moved it to the dead-letter stream. */
export interface DeadLetterView {
  consumer: string;
  /** e.g. INVALID_ENVELOPE, UNDECODABLE, SQLSTATE_22001, MAX_DELIVER_EXCEEDED (docs/architecture.md). */
  reason: string;
  detail: string | null;
  /** When it was dead-lettered (the copy's Ctp-Dlq-Failed-At). */
  at: string;
  /** Where the message was: its subject, and its stream and sequence there. */
  subject: string;
  stream: string;
  streamSeq: number;
  deliveryCount: number;
  /** Where its copy is: the dead-letter stream and its sequence there (null if the broker's answer was not seen). */
  deadLetterStream: string | null;
  deadLetterSeq: number | null;
  /** The dead-letter sequence this message was a re-driven copy of, if it was one. */
  redrivenFrom: number | null;
  /** `npm run dlq -- redrive <seq>`, while re-driving is still the way forward; null once applied or re-driven. */
  redrive: string | null;
  /** `npm run dlq -- show <seq>`: the dead letter with its headers and payload (an operator's NATS identity). */
  inspect: string | null;
}

export interface EventOutcomeView {
  source: string;
  id: string;
  /** Null only for a dead-lettered message whose type could not be read. */
  type: string | null;
  subject: string;
  consumer: string;
  streamSeq: number;
  /**
   * APPLIED, IGNORED (STALE_VERSION), REJECTED (+ reason); DEAD_LETTERED when the platform never applied it and its
   * consumer gave up on it (+ the last dead letter's reason and detail). DUPLICATE_DELIVERY is not stored: it is
   * "already here".
   */
  outcome: string | null;
  reason: string | null;
  detail: string | null;
  /** For a dead-lettered event: when it was dead-lettered (last), as decidedAt. */
  receivedAt: string;
  decidedAt: string | null;
  /** For a dead-lettered event: the command that re-drives it once the cause is fixed; otherwise null. */
  redrive: string | null;
  /** Every time it was dead-lettered, oldest first (also for an event applied after a re-drive); often empty. */
  deadLetters: DeadLetterView[];
}

/** The response of GET /events/:source/:id: the inbox's outcome if the event was applied, else its last dead letter. */
export function toEventOutcomeView(source: string, id: string, fate: EventFate): EventOutcomeView {
  const deadLetters = fate.deadLetters.map((l) => toDeadLetterView(l, fate));
  const r = fate.outcome;
  if (r) {
    return {
      source: r.source,
      id: r.eventId,
      type: r.type,
      subject: r.subject,
      consumer: r.consumer,
      streamSeq: r.streamSeq,
      outcome: r.outcome,
      reason: r.reason,
      detail: r.detail,
      receivedAt: r.receivedAt.toISOString(),
      decidedAt: r.decidedAt?.toISOString() ?? null,
      redrive: null,
      deadLetters,
    };
  }
  const last = fate.deadLetters[fate.deadLetters.length - 1];
  if (!last) throw new Error(`no outcome and no dead letter for ${source} ${id}`);
  const lastView = deadLetters[deadLetters.length - 1];
  const at = last.deadLetteredAt.toISOString();
  return {
    source,
    id,
    type: last.type ?? fate.deadLetters.find((l) => l.type)?.type ?? null,
    subject: last.subject,
    consumer: last.consumer,
    streamSeq: last.streamSeq,
    outcome: 'DEAD_LETTERED',
    reason: last.reason,
    detail: last.detail,
    receivedAt: at,
    decidedAt: at,
    redrive: lastView.redrive,
    deadLetters,
  };
}

function toDeadLetterView(l: DeadLetterEntry, fate: EventFate): DeadLetterView {
  const current = mayStillBeRedriven(l, fate);
  return {
    consumer: l.consumer,
    reason: l.reason,
    detail: l.detail,
    at: l.deadLetteredAt.toISOString(),
    subject: l.subject,
    stream: l.stream,
    streamSeq: l.streamSeq,
    deliveryCount: l.deliveryCount,
    deadLetterStream: l.dlqStream,
    deadLetterSeq: l.dlqSeq,
    redrivenFrom: l.redrivenFrom,
    redrive: current && l.dlqSeq !== null ? redriveCommand(l.dlqSeq) : null,
    inspect: current && l.dlqSeq !== null ? inspectCommand(l.dlqSeq) : null,
  };
}
