import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { PartnerScope } from '../domain/sharing';

/** A partner as the outbound side needs it: its regions, and where and how to push (when it has a webhook). */
export interface OutboundPartner extends PartnerScope {
  ref: string;
  code: string;
  regions: string[];
  webhook: { url: string; secret: string } | null;
}

interface PartnerRow {
  ref: string;
  code: string;
  regions: string[] | null;
  webhook_url: string | null;
  webhook_secret: string | null;
}

/**
 * Reads the partner registry (table `partners`, owned by the inbound side) with plain SQL: the outbound side only
 * reads it, at the moment it needs it, so a partner's new region or webhook applies from the next message on.
 */
@Injectable()
export class PartnerDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async all(tx?: Transaction): Promise<OutboundPartner[]> {
    const rows: PartnerRow[] = await (tx?.manager ?? this.dataSource).query(
      `SELECT ref, code, regions, webhook_url, webhook_secret FROM partners ORDER BY ref`,
    );
    return rows.map(partnerOf);
  }

  async find(ref: string): Promise<OutboundPartner | undefined> {
    const rows: PartnerRow[] = await this.dataSource.query(
      `SELECT ref, code, regions, webhook_url, webhook_secret FROM partners WHERE ref = $1`,
      [ref],
    );
    return rows[0] ? partnerOf(rows[0]) : undefined;
  }
}

function partnerOf(r: PartnerRow): OutboundPartner {
  return {
    ref: r.ref,
    code: r.code,
    regions: (r.regions ?? []).map((x) => x.toUpperCase()),
    webhook: r.webhook_url && r.webhook_secret ? { url: r.webhook_url, secret: r.webhook_secret } : null,
  };
}
