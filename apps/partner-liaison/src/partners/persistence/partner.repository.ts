import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { Partner, PartnerRegion, PartnerType, PartnerWebhook } from '../domain/partner';

interface PartnerRow {
  ref: string;
  code: string;
  name: string;
  acronym: string;
  type: string;
  regions: string[];
  agreement: string | null;
  webhook_url: string | null;
  webhook_secret_enc: string | null;
  webhook_secret_created_at: Date | null;
  webhook_previous_secret_enc: string | null;
  webhook_previous_secret_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `ref, code, name, acronym, type, regions, agreement, webhook_url, webhook_secret_enc,
  webhook_secret_created_at, webhook_previous_secret_enc, webhook_previous_secret_until, created_at, updated_at`;

/**
 * The `partners` table (the outbound feature reads it too: its columns are a contract between the two). Webhook
 * secrets are stored sealed only (`webhook_secret_enc`, `webhook_previous_secret_enc`): this class never sees one in
 * clear.
 */
@Injectable()
export class PartnerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a new partner; undefined when its ref (or code) is already taken. */
  async insert(tx: Transaction, p: Partner): Promise<Partner | undefined> {
    const rows: PartnerRow[] = await tx.manager.query(
      `INSERT INTO partners (ref, code, name, acronym, type, regions, agreement, webhook_url, webhook_secret_enc,
                             webhook_secret_created_at, webhook_previous_secret_enc, webhook_previous_secret_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [p.ref, p.code, p.name, p.acronym, p.type, p.regions, p.agreement, ...webhookParams(p.webhook)],
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
         UPDATE partners SET name = $2, regions = $3, agreement = $4, webhook_url = $5, webhook_secret_enc = $6,
                webhook_secret_created_at = $7, webhook_previous_secret_enc = $8, webhook_previous_secret_until = $9,
                updated_at = now()
          WHERE ref = $1 RETURNING ${COLUMNS})
       SELECT * FROM changed`,
      [p.ref, p.name, p.regions, p.agreement, ...webhookParams(p.webhook)],
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

function webhookParams(w: PartnerWebhook | undefined): unknown[] {
  const s = w?.secrets;
  return [
    w?.url ?? null,
    s?.current ?? null,
    s?.createdAt ?? null,
    s?.previous?.sealed ?? null,
    s?.previous?.validUntil ?? null,
  ];
}

function toPartner(r: PartnerRow): Partner {
  let webhook: PartnerWebhook | undefined;
  if (r.webhook_url) {
    webhook = { url: r.webhook_url };
    if (r.webhook_secret_enc) {
      webhook.secrets = {
        current: r.webhook_secret_enc,
        createdAt: (r.webhook_secret_created_at ?? r.updated_at).toISOString(),
        ...(r.webhook_previous_secret_enc && r.webhook_previous_secret_until
          ? {
              previous: {
                sealed: r.webhook_previous_secret_enc,
                validUntil: r.webhook_previous_secret_until.toISOString(),
              },
            }
          : {}),
      };
    }
  }
  return {
    ref: r.ref,
    code: r.code,
    name: r.name,
    acronym: r.acronym,
    type: r.type as PartnerType,
    regions: r.regions as PartnerRegion[],
    agreement: r.agreement ?? '',
    ...(webhook ? { webhook } : {}),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
