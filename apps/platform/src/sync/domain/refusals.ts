import {
  INITIATIVE_EVENT_TYPES,
  InitiativeEventType,
  InitiativeSnapshot,
  ownedPrefix,
  subjectForSource,
} from '@ctp/contracts';

/**
 * The REJECTED reasons about a record's own content, or its state here, that the same version meets again whenever it
 * comes: re-publishing it cannot change the verdict. Not OWNERSHIP_VIOLATION: an event about another source's record
 * says nothing about what this source holds.
 */
export const CONTENT_REFUSALS: ReadonlySet<string> = new Set([
  'SCHEMA',
  'INVALID_DATES',
  'ACTUAL_DATE_IN_FUTURE',
  'WITHDRAWN',
  'INVALID_TRANSITION',
]);

/** A refusal the clock may lift (`lastUpdatedAt` ahead of ours) counts as known this long only, then is asked again. */
export const CLOCK_REFUSAL_COUNTS_MS = 3600_000;

/** An event the registry rejected, with its verdict (what the registry announces; only what is read here). */
export interface RejectedEvent {
  event: { envelope: { id: string; source: string; type: string; data?: unknown } };
  reason?: string;
  detail?: string;
}

/** A source's version refused for its content: reconciliation counts it as known instead of asking for it again. */
export interface RefusedVersion {
  source: string;
  initiativeId: string;
  version: number;
  withdrawn: boolean;
  reason: string;
  detail: string | null;
  eventId: string;
  /** Until when it counts (a refusal the clock may lift); null: while it is newer than the applied version. */
  countsUntil: string | null;
}

/** The versions among these rejections that were refused for their content (`now`: ms since epoch). */
export function refusedVersionsOf(rejected: RejectedEvent[], now: number): RefusedVersion[] {
  const refused: RefusedVersion[] = [];
  for (const { event, reason, detail } of rejected) {
    if (!reason || !CONTENT_REFUSALS.has(reason)) continue;
    const snapshot = event.envelope.data as Partial<InitiativeSnapshot> | undefined;
    const version = snapshot?.version;
    if (typeof snapshot?.initiativeId !== 'string' || !Number.isInteger(version) || (version as number) < 1) continue;
    if ((version as number) > 2_147_483_647) continue;
    const clock = reason === 'ACTUAL_DATE_IN_FUTURE' && (detail ?? '').includes('lastUpdatedAt');
    refused.push({
      source: event.envelope.source,
      initiativeId: snapshot.initiativeId,
      version: version as number,
      withdrawn: event.envelope.type === InitiativeEventType.Withdrawn,
      reason,
      detail: detail?.slice(0, 1000) ?? null,
      eventId: event.envelope.id,
      countsUntil: clock ? new Date(now + CLOCK_REFUSAL_COUNTS_MS).toISOString() : null,
    });
  }
  return refused;
}

/**
 * A dead-lettered version counts as known this long, then reconciliation asks for it again: often enough that a fixed
 * cause (a publisher corrected, a column widened) heals by itself, seldom enough that a version that still cannot be
 * applied adds one dead letter an hour instead of one at every digest.
 */
export const DEAD_LETTER_COUNTS_MS = 3600_000;

/**
 * Dead-letter reasons that say nothing of the version itself, so it is not counted: the delivery limit (a failure a
 * retry may yet fix; reconciliation re-publishing it is that retry) and a decoder's own error (a fault of ours).
 */
export const DEAD_LETTERS_NOT_COUNTED: ReadonlySet<string> = new Set(['MAX_DELIVER_EXCEEDED', 'HANDLER_ERROR']);

/** A dead letter, as the messaging lib records it (only what is read here). */
export interface DeadLetteredEvent {
  source: string | null;
  eventId: string | null;
  natsMsgId: string | null;
  subject: string;
  reason: string;
  detail: string | null;
  dlqSeq: number | null;
}

/**
 * The version a dead-lettered event carried, when its dead letter is for a permanent reason (an invalid envelope, a
 * value PostgreSQL refuses: `SQLSTATE_*`) and the message says, consistently, which version of which of its source's
 * records it is: an initiative event whose envelope names its source, on that source's own subject, about a record
 * that source owns. Counted for `DEAD_LETTER_COUNTS_MS`. Anything less clear is not counted (reconciliation asks again).
 */
export function refusedVersionOfDeadLetter(
  letter: DeadLetteredEvent,
  payload: unknown,
  now: number,
): RefusedVersion | undefined {
  if (DEAD_LETTERS_NOT_COUNTED.has(letter.reason)) return undefined;
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const envelope = payload as { source?: unknown; type?: unknown; data?: unknown };
  const source = letter.source;
  if (!source || envelope.source !== source) return undefined;
  const type = envelope.type as InitiativeEventType;
  if (!INITIATIVE_EVENT_TYPES.includes(type) || subjectForSource(source, type) !== letter.subject) return undefined;
  const snapshot = (envelope.data ?? undefined) as Partial<InitiativeSnapshot> | undefined;
  const initiativeId = snapshot?.initiativeId;
  const version = snapshot?.version;
  const prefix = ownedPrefix(source);
  if (typeof initiativeId !== 'string' || !prefix || !initiativeId.startsWith(prefix)) return undefined;
  if (!Number.isInteger(version) || (version as number) < 1 || (version as number) > 2_147_483_647) return undefined;
  const eventId = letter.eventId ?? letter.natsMsgId;
  if (!eventId) return undefined;
  const where = letter.dlqSeq === null ? 'dead-lettered' : `dead-lettered (dead letter ${letter.dlqSeq})`;
  return {
    source,
    initiativeId,
    version: version as number,
    withdrawn: type === InitiativeEventType.Withdrawn,
    reason: letter.reason,
    detail: `${where}: ${letter.detail ?? letter.reason}`.slice(0, 1000),
    eventId,
    countsUntil: new Date(now + DEAD_LETTER_COUNTS_MS).toISOString(),
  };
}
