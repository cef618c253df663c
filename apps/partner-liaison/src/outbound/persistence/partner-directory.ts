import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { PartnerScope } from '../domain/sharing';

/** A partner as the outbound side needs it: its regions, and where and how to push (when it has a webhook). */
export interface OutboundPartner extends PartnerScope {
  ref: string;
  code: string;
  regions: string[];
  /** Set when the partner has a webhook URL and a signing secret: its new feed entries are queued for delivery. */
  webhook: { url: string } | null;
}

interface PartnerRow {
  ref: string;
  code: string;
  regions: string[] | null;
  webhook_url: string | null;
  has_secret: boolean;
}

/** Never the sealed secrets themselves: only whether there is one (the delivery queue reads them when it sends). */
const COLUMNS = `ref, code, regions, webhook_url, webhook_secret_enc IS NOT NULL AS has_secret`;

/**
 * Reads the partner registry (table `partners`, owned by the inbound side) with plain SQL: the outbound side only
 * reads it, at the moment it needs it, so a partner's new region or webhook applies from the next message on.
 */
@Injectable()
export class PartnerDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async all(tx?: Transaction): Promise<OutboundPartner[]> {
    const rows: PartnerRow[] = await (tx?.manager ?? this.dataSource).query(
      `SELECT ${COLUMNS} FROM partners ORDER BY ref`,
    );
    return rows.map(partnerOf);
  }

  async find(ref: string): Promise<OutboundPartner | undefined> {
    const rows: PartnerRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM partners WHERE ref = $1`, [ref]);
    return rows[0] ? partnerOf(rows[0]) : undefined;
  }
}

function partnerOf(r: PartnerRow): OutboundPartner {
  return {
    ref: r.ref,
    code: r.code,
    regions: (r.regions ?? []).map((x) => x.toUpperCase()),
    webhook: r.webhook_url && r.has_secret ? { url: r.webhook_url } : null,
  };
}
