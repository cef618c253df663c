import { Injectable } from '@nestjs/common';
import { InitiativeSnapshot } from '@ctp/contracts';
import { Transaction, UnitOfWork } from '@ctp/persistence';
import { StoredVersion } from './published-versions';

/**
 * The statements of the hub's start-up check against its stream (stream-recovery.ts): the check's position in the
 * stream (`stream_checkpoints`), the versions the database holds, and a record stored again exactly as it was published.
 */
@Injectable()
export class RecoveryRepository {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  /** Where the last check stopped in `stream`, and whether this database ever held a record or an event. */
  async state(stream: string): Promise<{ checkpoint: number | undefined; used: boolean }> {
    const [row]: { checkpoint: string | null; used: boolean }[] = await this.unitOfWork.run((tx) =>
      tx.manager.query(
        `SELECT (SELECT seq FROM stream_checkpoints WHERE stream = $1) AS checkpoint,
                EXISTS (SELECT 1 FROM outbox_events) OR EXISTS (SELECT 1 FROM initiatives) AS used`,
        [stream],
      ),
    );
    return { checkpoint: row.checkpoint === null ? undefined : Number(row.checkpoint), used: row.used };
  }

  async storedVersions(tx: Transaction, ids: string[]): Promise<Map<string, StoredVersion>> {
    const rows: { initiative_id: string; version: number; snapshot: InitiativeSnapshot }[] = await tx.manager.query(
      `SELECT initiative_id, version, snapshot FROM initiatives WHERE initiative_id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.initiative_id, { version: r.version, snapshot: r.snapshot }]));
  }

  /**
   * The record as published, only ever forward: another replica of this hub may have stored it (or a newer version)
   * meanwhile. Recorded as changed by `stream-recovery` for the hub's organisation.
   */
  async storeAsPublished(tx: Transaction, s: InitiativeSnapshot, orgRef: string): Promise<void> {
    await tx.manager.query(
      `INSERT INTO initiatives (initiative_id, version, status, primary_stream, countries, snapshot, withdrawn,
                                changed_by_sub, changed_by_org)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'stream-recovery', $8)
       ON CONFLICT (initiative_id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status,
              primary_stream = EXCLUDED.primary_stream, countries = EXCLUDED.countries, snapshot = EXCLUDED.snapshot,
              withdrawn = EXCLUDED.withdrawn, updated_at = now(), changed_by_sub = EXCLUDED.changed_by_sub,
              changed_by_org = EXCLUDED.changed_by_org
        WHERE initiatives.version < EXCLUDED.version`,
      [
        s.initiativeId,
        s.version,
        s.status,
        s.actionStreams.primary,
        s.recipientCountries,
        s,
        s.withdrawal !== undefined,
        orgRef,
      ],
    );
  }

  /** The check's position moves only forward; in `tx` when given, else in a transaction of its own. */
  async saveCheckpoint(stream: string, seq: number, tx?: Transaction): Promise<void> {
    const sql = `INSERT INTO stream_checkpoints (stream, seq) VALUES ($1, $2)
                 ON CONFLICT (stream) DO UPDATE SET seq = GREATEST(stream_checkpoints.seq, EXCLUDED.seq), checked_at = now()`;
    if (tx) await tx.manager.query(sql, [stream, seq]);
    else await this.unitOfWork.run((t) => t.manager.query(sql, [stream, seq]));
  }
}
