import { Injectable } from '@nestjs/common';
import { InitiativeSnapshot, orderedSnapshot } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';

export interface StoredPartnerInitiative {
  snapshot: InitiativeSnapshot;
  withdrawn: boolean;
}

export interface PartnerInitiativeFilter {
  partnerRef: string;
  status?: string;
  includeWithdrawn: boolean;
  /** Exclusive lower bound on initiative_id (keyset pagination). */
  after?: string;
  limit: number;
}

/** `partner_initiatives`: each partner's initiatives as this service last versioned them. */
@Injectable()
export class PartnerInitiativeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts version 1; false when the id is already taken (reported concurrently). */
  async insert(tx: Transaction, partnerRef: string, localId: string, snapshot: InitiativeSnapshot): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query(
      `INSERT INTO partner_initiatives (initiative_id, partner_ref, local_id, version, status, snapshot)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (initiative_id) DO NOTHING RETURNING initiative_id`,
      [snapshot.initiativeId, partnerRef, localId, snapshot.version, snapshot.status, snapshot],
    );
    return rows.length === 1;
  }

  /** The record, locked until the transaction ends: concurrent changes of one initiative take turns. */
  async lock(tx: Transaction, initiativeId: string): Promise<StoredPartnerInitiative | undefined> {
    const rows: StoredPartnerInitiative[] = await tx.manager.query(
      `SELECT snapshot, withdrawn FROM partner_initiatives WHERE initiative_id = $1 FOR UPDATE`,
      [initiativeId],
    );
    return rows.map(toStored)[0];
  }

  async update(tx: Transaction, snapshot: InitiativeSnapshot, withdrawn = false): Promise<void> {
    await tx.manager.query(
      `UPDATE partner_initiatives SET version = $2, status = $3, snapshot = $4, withdrawn = $5, updated_at = now()
        WHERE initiative_id = $1`,
      [snapshot.initiativeId, snapshot.version, snapshot.status, snapshot, withdrawn],
    );
  }

  async findById(initiativeId: string): Promise<StoredPartnerInitiative | undefined> {
    const rows: StoredPartnerInitiative[] = await this.dataSource.query(
      `SELECT snapshot, withdrawn FROM partner_initiatives WHERE initiative_id = $1`,
      [initiativeId],
    );
    return rows.map(toStored)[0];
  }

  /** Many records at once (a CSV import reads what it already has in one query). */
  async findMany(initiativeIds: string[]): Promise<Map<string, StoredPartnerInitiative>> {
    if (initiativeIds.length === 0) return new Map();
    const rows: (StoredPartnerInitiative & { initiative_id: string })[] = await this.dataSource.query(
      `SELECT initiative_id, snapshot, withdrawn FROM partner_initiatives WHERE initiative_id = ANY($1)`,
      [initiativeIds],
    );
    return new Map(rows.map((r) => [r.initiative_id, toStored(r)]));
  }

  async list(filter: PartnerInitiativeFilter): Promise<StoredPartnerInitiative[]> {
    const params: unknown[] = [filter.partnerRef];
    const where = ['partner_ref = $1'];
    if (filter.status) {
      params.push(filter.status);
      where.push(`status = $${params.length}`);
    }
    if (!filter.includeWithdrawn) where.push('NOT withdrawn');
    if (filter.after) {
      params.push(filter.after);
      where.push(`initiative_id > $${params.length}`);
    }
    params.push(filter.limit);
    const rows: StoredPartnerInitiative[] = await this.dataSource.query(
      `SELECT snapshot, withdrawn FROM partner_initiatives WHERE ${where.join(' AND ')}
        ORDER BY initiative_id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toStored);
  }
}

function toStored(row: StoredPartnerInitiative): StoredPartnerInitiative {
  return { snapshot: orderedSnapshot(row.snapshot), withdrawn: row.withdrawn };
}
