import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { Partner, PartnerRegion, PartnerType } from '../domain/partner';

interface PartnerRow {
  ref: string;
  code: string;
  name: string;
  acronym: string;
  type: string;
  regions: string[];
  agreement: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `ref, code, name, acronym, type, regions, agreement, webhook_url, webhook_secret, created_at, updated_at`;

/** The `partners` table (the outbound feature reads it too: its columns are a contract between the two). */
@Injectable()
export class PartnerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a new partner; undefined when its ref (or code) is already taken. */
  async insert(p: Partner): Promise<Partner | undefined> {
    const rows: PartnerRow[] = await this.dataSource.query(
      `INSERT INTO partners (ref, code, name, acronym, type, regions, agreement, webhook_url, webhook_secret)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [
        p.ref,
        p.code,
        p.name,
        p.acronym,
        p.type,
        p.regions,
        p.agreement,
        p.webhook?.url ?? null,
        p.webhook?.secret ?? null,
      ],
    );
    return rows.map(toPartner)[0];
  }

  /** The partner, locked until the transaction ends: two updates of one partner take turns. */
  async lock(tx: Transaction, ref: string): Promise<Partner | undefined> {
    const rows: PartnerRow[] = await tx.manager.query(`SELECT ${COLUMNS} FROM partners WHERE ref = $1 FOR UPDATE`, [
      ref,
    ]);
    return rows.map(toPartner)[0];
  }

  async update(tx: Transaction, p: Partner): Promise<Partner> {
    const rows: PartnerRow[] = await tx.manager.query(
      // As a SELECT: TypeORM answers an UPDATE ... RETURNING with [rows, count] instead of the rows.
      `WITH changed AS (
         UPDATE partners SET name = $2, regions = $3, agreement = $4, webhook_url = $5, webhook_secret = $6,
                updated_at = now()
          WHERE ref = $1 RETURNING ${COLUMNS})
       SELECT * FROM changed`,
      [p.ref, p.name, p.regions, p.agreement, p.webhook?.url ?? null, p.webhook?.secret ?? null],
    );
    return toPartner(rows[0]);
  }

  async findByRef(ref: string): Promise<Partner | undefined> {
    const rows: PartnerRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM partners WHERE ref = $1`, [ref]);
    return rows.map(toPartner)[0];
  }

  async list(): Promise<Partner[]> {
    const rows: PartnerRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM partners ORDER BY ref`);
    return rows.map(toPartner);
  }
}

function toPartner(r: PartnerRow): Partner {
  return {
    ref: r.ref,
    code: r.code,
    name: r.name,
    acronym: r.acronym,
    type: r.type as PartnerType,
    regions: r.regions as PartnerRegion[],
    agreement: r.agreement ?? '',
    ...(r.webhook_url
      ? { webhook: { url: r.webhook_url, ...(r.webhook_secret ? { secret: r.webhook_secret } : {}) } }
      : {}),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
