import { Injectable } from '@nestjs/common';
import { InitiativeSnapshot, orderedSnapshot } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { ChangeActor } from '../domain/hub-initiative';

/** How long an Idempotency-Key is remembered: a day, ample for a client's retries. */
export const IDEMPOTENCY_KEY_TTL_SEC = 24 * 3600;

export interface StoredInitiative {
  snapshot: InitiativeSnapshot;
  withdrawn: boolean;
}

export interface InitiativeFilter {
  status?: string;
  primaryActionStream?: string;
  country?: string;
  includeWithdrawn?: boolean;
  /** Exclusive lower bound on initiative_id (keyset pagination). */
  after?: string;
  limit: number;
}

export interface RollupRow {
  primaryActionStream: string;
  status: string;
  count: number;
}

export interface IdempotentResponse {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

/**
 * The values of the columns a version's snapshot fills, in the order insert and update bind them ($1 to $6):
 * initiative_id, version, status, primary_stream, countries, snapshot.
 */
function snapshotColumns(snapshot: InitiativeSnapshot): unknown[] {
  return [
    snapshot.initiativeId,
    snapshot.version,
    snapshot.status,
    snapshot.actionStreams.primary,
    snapshot.recipientCountries,
    snapshot,
  ];
}

@Injectable()
export class InitiativeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a new record; false when the id is already taken. */
  async insert(tx: Transaction, snapshot: InitiativeSnapshot, actor: ChangeActor): Promise<boolean> {
    const { sql, params } = this.insertStatement(snapshot, actor);
    const rows: unknown[] = await tx.manager.query(sql, params);
    return rows.length === 1;
  }

  /** The insert of a new record (nothing if the id exists), returning its id when it was inserted. */
  insertStatement(snapshot: InitiativeSnapshot, actor: ChangeActor): { sql: string; params: unknown[] } {
    return {
      sql: `INSERT INTO initiatives (initiative_id, version, status, primary_stream, countries, snapshot, changed_by_sub,
                                     changed_by_org)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (initiative_id) DO NOTHING RETURNING initiative_id`,
      params: [...snapshotColumns(snapshot), actor.sub, actor.org],
    };
  }

  /** The record, locked until the transaction ends: concurrent changes of one initiative take turns. */
  async lock(tx: Transaction, initiativeId: string): Promise<StoredInitiative | undefined> {
    const rows: StoredInitiative[] = await tx.manager.query(
      `SELECT snapshot, withdrawn FROM initiatives WHERE initiative_id = $1 FOR UPDATE`,
      [initiativeId],
    );
    return rows.map(toStored)[0];
  }

  async update(tx: Transaction, snapshot: InitiativeSnapshot, withdrawn: boolean, actor: ChangeActor): Promise<void> {
    await tx.manager.query(
      `UPDATE initiatives SET version = $2, status = $3, primary_stream = $4, countries = $5, snapshot = $6,
              withdrawn = $7, updated_at = now(), changed_by_sub = $8, changed_by_org = $9
        WHERE initiative_id = $1`,
      [...snapshotColumns(snapshot), withdrawn, actor.sub, actor.org],
    );
  }

  async findById(initiativeId: string): Promise<StoredInitiative | undefined> {
    const rows: StoredInitiative[] = await this.dataSource.query(
      `SELECT snapshot, withdrawn FROM initiatives WHERE initiative_id = $1`,
      [initiativeId],
    );
    return rows.map(toStored)[0];
  }

  async list(filter: InitiativeFilter): Promise<StoredInitiative[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.status) add('status = ?', filter.status);
    if (filter.primaryActionStream) add('primary_stream = ?', filter.primaryActionStream);
    if (filter.country) add('countries @> ARRAY[?]::text[]', filter.country);
    if (!filter.includeWithdrawn) where.push('NOT withdrawn');
    if (filter.after) add('initiative_id > ?', filter.after);
    params.push(filter.limit);
    const rows: StoredInitiative[] = await this.dataSource.query(
      `SELECT snapshot, withdrawn FROM initiatives ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY initiative_id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toStored);
  }

  /** Live (not withdrawn) records by primary stream and status. */
  async rollup(): Promise<RollupRow[]> {
    const rows: { primary_stream: string; status: string; count: number }[] = await this.dataSource.query(
      `SELECT primary_stream, status, count(*)::int AS count FROM initiatives WHERE NOT withdrawn
        GROUP BY primary_stream, status ORDER BY primary_stream, status`,
    );
    return rows.map((r) => ({ primaryActionStream: r.primary_stream, status: r.status, count: r.count }));
  }

  /**
   * Claims an Idempotency-Key for this transaction. A concurrent request with the same key waits here until the first
   * one commits, then gets the first one's stored response.
   */
  async claimIdempotencyKey(tx: Transaction, key: string): Promise<IdempotentResponse | undefined> {
    // A key is remembered for IDEMPOTENCY_KEY_TTL: after that it may be used again, for another request.
    await tx.manager.query(
      `DELETE FROM idempotency_keys WHERE key = $1 AND created_at < now() - make_interval(secs => $2)`,
      [key, IDEMPOTENCY_KEY_TTL_SEC],
    );
    const inserted: unknown[] = await tx.manager.query(
      `INSERT INTO idempotency_keys (key, request_hash, status_code, response) VALUES ($1, '', 0, 'null')
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key],
    );
    if (inserted.length) return undefined;
    const rows: { request_hash: string; status_code: number; response: unknown }[] = await tx.manager.query(
      `SELECT request_hash, status_code, response FROM idempotency_keys WHERE key = $1`,
      [key],
    );
    return { requestHash: rows[0].request_hash, statusCode: rows[0].status_code, response: rows[0].response };
  }

  /** Forgets the keys past their lifetime (the table would otherwise grow with every keyed request, forever). */
  async expireIdempotencyKeys(): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1) RETURNING 1`,
      [IDEMPOTENCY_KEY_TTL_SEC],
    );
    return rows.length;
  }

  async saveIdempotentResponse(tx: Transaction, key: string, stored: IdempotentResponse): Promise<void> {
    await tx.manager.query(
      `UPDATE idempotency_keys SET request_hash = $2, status_code = $3, response = $4 WHERE key = $1`,
      [key, stored.requestHash, stored.statusCode, JSON.stringify(stored.response)],
    );
  }
}

function toStored(row: StoredInitiative): StoredInitiative {
  return { snapshot: orderedSnapshot(row.snapshot), withdrawn: row.withdrawn };
}
