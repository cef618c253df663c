import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';

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
