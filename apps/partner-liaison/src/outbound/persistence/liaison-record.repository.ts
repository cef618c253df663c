import { Injectable } from '@nestjs/common';
import { InitiativeSnapshot, InitiativeStatus, Visibility } from '@ctp/contracts';
import { lockKeys, type Transaction } from '@ctp/persistence';
import { HubRegionCode, KnownRecordState } from '../domain/record-rules';
import { LiaisonRecord } from '../domain/sharing';

export interface RecordWrite {
  record: LiaisonRecord;
  source: string;
  /** Null for a withdrawal stub (a tombstone for a record never held: no content, no status). */
  status: InitiativeStatus | null;
  eventId: string;
}

interface RecordRow {
  initiative_id: string;
  region: HubRegionCode;
  version: number;
  visibility: Visibility;
  withdrawn: boolean;
  snapshot: InitiativeSnapshot | null;
}

/** Table `liaison_records`: what partner-liaison knows of INTERPOL records. One statement per batch for each method. */
@Injectable()
export class LiaisonRecordRepository {
  /**
   * The stored state of these records, locked until the batch commits: the ids first, so that a record not stored yet
   * is locked too (replicas share the consumer: two versions of a new record may be in two batches at once).
   */
  async lockStates(tx: Transaction, ids: string[]): Promise<Map<string, KnownRecordState>> {
    if (ids.length === 0) return new Map();
    await lockKeys(tx.manager, 'ctp-liaison-records', ids);
    const rows: { initiative_id: string; version: number; withdrawn: boolean; status: InitiativeStatus | null }[] =
      await tx.manager.query(
        `SELECT initiative_id, version, withdrawn, status FROM liaison_records
          WHERE initiative_id = ANY($1::text[]) FOR UPDATE`,
        [ids],
      );
    return new Map(
      rows.map((r) => [r.initiative_id, { version: r.version, withdrawn: r.withdrawn, status: r.status }]),
    );
  }

  /**
   * Writes the newest version of each record. The content is written only for a PARTNER_SHAREABLE version (the
   * table's CHECK refuses anything else); the `WHERE version <` guard keeps a newer stored version whatever happens.
   */
  async save(tx: Transaction, writes: RecordWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const rows = writes.map((w) => ({
      initiative_id: w.record.initiativeId,
      region: w.record.region,
      source: w.source,
      version: w.record.version,
      visibility: w.record.visibility,
      withdrawn: w.record.withdrawn,
      status: w.status,
      snapshot: w.record.visibility === 'PARTNER_SHAREABLE' ? w.record.snapshot : null,
      last_event_id: w.eventId,
    }));
    await tx.manager.query(
      `INSERT INTO liaison_records AS r
         (initiative_id, region, source, version, visibility, withdrawn, status, snapshot, last_event_id)
       SELECT x.initiative_id, x.region, x.source, x.version, x.visibility, x.withdrawn, x.status, x.snapshot,
              x.last_event_id
         FROM jsonb_to_recordset($1::jsonb) AS x(initiative_id text, region text, source text, version int,
              visibility text, withdrawn bool, status text, snapshot jsonb, last_event_id text)
       ON CONFLICT (initiative_id) DO UPDATE SET
         region = excluded.region, source = excluded.source, version = excluded.version,
         visibility = excluded.visibility, withdrawn = excluded.withdrawn, status = excluded.status,
         snapshot = excluded.snapshot, last_event_id = excluded.last_event_id, updated_at = now()
       WHERE r.version < excluded.version`,
      [JSON.stringify(rows)],
    );
  }

  async find(tx: Transaction, ids: string[]): Promise<Map<string, LiaisonRecord>> {
    if (ids.length === 0) return new Map();
    const rows: RecordRow[] = await tx.manager.query(
      `SELECT initiative_id, region, version, visibility, withdrawn, snapshot FROM liaison_records
        WHERE initiative_id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.initiative_id, recordOf(r)]));
  }

  /**
   * Records some partner is missing something of: shareable and live, in a partner's regions, and not held by that
   * partner at this version; or restricted or withdrawn while a partner still holds them. Normally none (events are
   * shared as they arrive); a partner registered, or given a region, after the records arrived finds its backlog here.
   */
  async needingShares(tx: Transaction, limit: number): Promise<LiaisonRecord[]> {
    const rows: RecordRow[] = await tx.manager.query(
      `SELECT r.initiative_id, r.region, r.version, r.visibility, r.withdrawn, r.snapshot FROM liaison_records r
        WHERE (r.visibility = 'PARTNER_SHAREABLE' AND NOT r.withdrawn AND EXISTS (
                 SELECT 1 FROM partners p
                   LEFT JOIN partner_shares s ON s.partner_ref = p.ref AND s.initiative_id = r.initiative_id
                  WHERE (r.region = ANY(p.regions) OR 'GLB' = ANY(p.regions))
                    AND (s.state IS DISTINCT FROM 'SHARED' OR s.shared_version < r.version)))
           OR ((r.visibility <> 'PARTNER_SHAREABLE' OR r.withdrawn) AND EXISTS (
                 SELECT 1 FROM partner_shares s WHERE s.initiative_id = r.initiative_id AND s.state = 'SHARED'))
        ORDER BY r.updated_at, r.initiative_id
        LIMIT $1`,
      [limit],
    );
    return rows.map(recordOf);
  }
}

function recordOf(r: RecordRow): LiaisonRecord {
  return {
    initiativeId: r.initiative_id,
    region: r.region,
    version: r.version,
    visibility: r.visibility,
    withdrawn: r.withdrawn,
    snapshot: r.snapshot,
  };
}
