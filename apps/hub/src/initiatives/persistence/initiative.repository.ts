import { Injectable } from '@nestjs/common';
import { InitiativeSnapshot } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';

@Injectable()
export class InitiativeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a new record; false when the id is already taken. */
  async insert(tx: Transaction, snapshot: InitiativeSnapshot): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query(
      `INSERT INTO initiatives (initiative_id, version, status, snapshot) VALUES ($1, $2, $3, $4)
       ON CONFLICT (initiative_id) DO NOTHING RETURNING initiative_id`,
      [snapshot.initiativeId, snapshot.version, snapshot.status, snapshot],
    );
    return rows.length === 1;
  }

  async findById(initiativeId: string): Promise<InitiativeSnapshot | undefined> {
    const rows: { snapshot: InitiativeSnapshot }[] = await this.dataSource.query(
      `SELECT snapshot FROM initiatives WHERE initiative_id = $1`,
      [initiativeId],
    );
    return rows[0]?.snapshot;
  }
}
