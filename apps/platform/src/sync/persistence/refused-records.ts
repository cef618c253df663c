import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { RefusedVersion } from '../domain/refusals';

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
const REFUSED_COUNTED = `SELECT f.initiative_id, f.version, f.reason, f.detail, f.refused_at
   FROM sync_refused f WHERE f.source = $1 AND ${COUNTED}`;

/** A refused version as `GET /sync` lists it. */
export interface CountedRefusal {
  initiativeId: string;
  version: number;
  reason: string;
  detail: string | null;
  refusedAt: Date;
}

/** `sync_refused`: the versions of sources' records refused for their content (#13). */
@Injectable()
export class RefusedRecords {
  constructor(private readonly dataSource: DataSource) {}

  /** Remembers them, in the batch's transaction that refused them. */
  async record(tx: Transaction, refused: RefusedVersion[]): Promise<void> {
    if (refused.length === 0) return;
    await tx.manager.query(
      `INSERT INTO sync_refused (source, initiative_id, version, withdrawn, reason, detail, event_id, counts_until)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bool[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
       ON CONFLICT (source, initiative_id, version) DO UPDATE
         SET reason = excluded.reason, detail = excluded.detail, event_id = excluded.event_id,
             refused_at = now(), counts_until = excluded.counts_until`,
      [
        refused.map((r) => r.source),
        refused.map((r) => r.initiativeId),
        refused.map((r) => r.version),
        refused.map((r) => r.withdrawn),
        refused.map((r) => r.reason),
        refused.map((r) => r.detail),
        refused.map((r) => r.eventId),
        refused.map((r) => r.countsUntil),
      ],
    );
  }

  /** How many refused versions of this source count as known now. */
  async countCounted(tx: Transaction, source: string): Promise<number> {
    const [{ refused }]: { refused: number }[] = await tx.manager.query(
      `SELECT count(*)::int AS refused FROM (${REFUSED_COUNTED}) f`,
      [source],
    );
    return refused;
  }

  /** The newest `limit` refused versions of this source that count as known, and how many count in all. */
  async listCounted(source: string, limit: number): Promise<{ count: number; records: CountedRefusal[] }> {
    const rows: {
      initiative_id: string;
      version: number;
      reason: string;
      detail: string | null;
      refused_at: Date;
      total: number;
    }[] = await this.dataSource.query(
      `SELECT f.*, count(*) OVER ()::int AS total FROM (${REFUSED_COUNTED}) f
          ORDER BY f.refused_at DESC, f.initiative_id LIMIT ${limit}`,
      [source],
    );
    return {
      count: rows[0]?.total ?? 0,
      records: rows.map((r) => ({
        initiativeId: r.initiative_id,
        version: r.version,
        reason: r.reason,
        detail: r.detail,
        refusedAt: r.refused_at,
      })),
    };
  }
}
