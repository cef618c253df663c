import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { EventOutcome, ReceivedEvent } from '@ctp/messaging';
import type { Transaction } from '@ctp/persistence';

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

/**
 * Remembers, in the batch's transaction, the versions refused for their content: reconciliation then counts them as
 * known instead of asking their source to re-publish them at every digest, for ever.
 */
export async function recordRefusals(
  tx: Transaction,
  events: ReceivedEvent[],
  outcomes: EventOutcome[],
): Promise<void> {
  const rows: {
    source: string;
    id: string;
    version: number;
    withdrawn: boolean;
    reason: string;
    detail: string | null;
    eventId: string;
    countsUntil: string | null;
  }[] = [];
  events.forEach((event, i) => {
    const o = outcomes[i];
    if (o?.outcome !== 'REJECTED' || !o.reason || !CONTENT_REFUSALS.has(o.reason)) return;
    const snapshot = event.envelope.data as Partial<InitiativeSnapshot> | undefined;
    const version = snapshot?.version;
    if (typeof snapshot?.initiativeId !== 'string' || !Number.isInteger(version) || (version as number) < 1) return;
    if ((version as number) > 2_147_483_647) return;
    const clock = o.reason === 'ACTUAL_DATE_IN_FUTURE' && (o.detail ?? '').includes('lastUpdatedAt');
    rows.push({
      source: event.envelope.source,
      id: snapshot.initiativeId,
      version: version as number,
      withdrawn: event.envelope.type === InitiativeEventType.Withdrawn,
      reason: o.reason,
      detail: o.detail?.slice(0, 1000) ?? null,
      eventId: event.envelope.id,
      countsUntil: clock ? new Date(Date.now() + CLOCK_REFUSAL_COUNTS_MS).toISOString() : null,
    });
  });
  if (rows.length === 0) return;
  await tx.manager.query(
    `INSERT INTO sync_refused (source, initiative_id, version, withdrawn, reason, detail, event_id, counts_until)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bool[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
     ON CONFLICT (source, initiative_id, version) DO UPDATE
       SET reason = excluded.reason, detail = excluded.detail, event_id = excluded.event_id,
           refused_at = now(), counts_until = excluded.counts_until`,
    [
      rows.map((r) => r.source),
      rows.map((r) => r.id),
      rows.map((r) => r.version),
      rows.map((r) => r.withdrawn),
      rows.map((r) => r.reason),
      rows.map((r) => r.detail),
      rows.map((r) => r.eventId),
      rows.map((r) => r.countsUntil),
    ],
  );
}

/** A refused version counts while it is newer than what the registry holds of that record (and not expired). */
const COUNTED = `(f.counts_until IS NULL OR f.counts_until > now())
  AND NOT EXISTS (SELECT 1 FROM registry_initiatives r WHERE r.initiative_id = f.initiative_id AND r.version >= f.version)`;

/**
 * What the platform knows of a source's records, as rows (initiative_id, version, withdrawn), the source given as `$1`:
 * the registry's rows, with a record's newest version refused for its content instead of an older applied one. It is
 * what reconciliation compares with the source's own digest: equal when the only difference is what was refused.
 */
export const KNOWN_RECORDS = `(
  SELECT r.initiative_id, r.version, r.withdrawn FROM registry_initiatives r
   WHERE r.source = $1
     AND NOT EXISTS (SELECT 1 FROM sync_refused f WHERE f.source = $1 AND f.initiative_id = r.initiative_id AND ${COUNTED})
  UNION ALL
  (SELECT DISTINCT ON (f.initiative_id) f.initiative_id, f.version, f.withdrawn FROM sync_refused f
    WHERE f.source = $1 AND ${COUNTED}
    ORDER BY f.initiative_id, f.version DESC)
) AS known`;

/** The refused versions counted as known for a source (`$1`), newest first. */
export const REFUSED_COUNTED = `SELECT f.initiative_id, f.version, f.reason, f.detail, f.refused_at
   FROM sync_refused f WHERE f.source = $1 AND ${COUNTED}`;
