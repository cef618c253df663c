import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { AuditAction, AuditChannel, AuditedEntry, AuditLine, AuditOutcome, AuditWrite } from '../domain/audit';

export interface AuditFilter {
  partnerRef?: string;
  initiativeId?: string;
  afterId?: string;
  limit: number;
}

interface AuditRow {
  id: string;
  at: Date;
  partner_ref: string;
  channel: AuditChannel;
  action: AuditAction;
  outcome: AuditOutcome;
  actor_sub: string | null;
  actor_org: string | null;
  details: Record<string, unknown> | null;
  delivery_id: string | null;
  attempt: number | null;
  http_status: number | null;
  error: string | null;
  entries: AuditedEntry[];
}

/**
 * Table `partner_audit`: what was sent to which partner, when, which version, by which channel, and every change made
 * through the API with who made it. Append-only.
 */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(tx: Transaction | undefined, lines: AuditWrite[]): Promise<void> {
    if (lines.length === 0) return;
    const rows = lines.map((l) => ({
      partner_ref: l.partnerRef,
      channel: l.channel,
      action: l.action,
      outcome: l.outcome,
      delivery_id: l.deliveryId ?? null,
      attempt: l.attempt ?? null,
      http_status: l.httpStatus ?? null,
      error: l.error?.slice(0, 500) ?? null,
      entries: l.entries,
      initiative_ids: [...new Set([...l.entries.map((e) => e.initiativeId), ...(l.initiativeIds ?? [])])],
      actor_sub: l.actor?.sub ?? null,
      actor_org: l.actor?.org ?? null,
      details: l.details ?? null,
    }));
    await (tx?.manager ?? this.dataSource).query(
      `INSERT INTO partner_audit
         (partner_ref, channel, action, outcome, delivery_id, attempt, http_status, error, entries, initiative_ids,
          actor_sub, actor_org, details)
       SELECT partner_ref, channel, action, outcome, delivery_id, attempt, http_status, error, entries,
              ARRAY(SELECT jsonb_array_elements_text(initiative_ids)), actor_sub, actor_org, details
         FROM jsonb_to_recordset($1::jsonb) AS x(partner_ref text, channel text, action text, outcome text,
              delivery_id uuid, attempt int, http_status int, error text, entries jsonb, initiative_ids jsonb,
              actor_sub text, actor_org text, details jsonb)`,
      [JSON.stringify(rows)],
    );
  }

  /** Audit lines in the order they were written, optionally of one partner and/or about one initiative. */
  async list(filter: AuditFilter): Promise<AuditLine[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.partnerRef) add('partner_ref = ?', filter.partnerRef);
    if (filter.initiativeId) add('initiative_ids @> ARRAY[?]::text[]', filter.initiativeId);
    if (filter.afterId) add('id > ?::bigint', filter.afterId);
    params.push(filter.limit);
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT id, at, partner_ref, channel, action, outcome, delivery_id, attempt, http_status, error, entries,
              actor_sub, actor_org, details
         FROM partner_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      at: r.at,
      partnerRef: r.partner_ref,
      channel: r.channel,
      action: r.action,
      outcome: r.outcome,
      deliveryId: r.delivery_id ?? undefined,
      attempt: r.attempt ?? undefined,
      httpStatus: r.http_status ?? undefined,
      error: r.error ?? undefined,
      entries: r.entries,
      actor: r.actor_sub !== null && r.actor_org !== null ? { sub: r.actor_sub, org: r.actor_org } : undefined,
      details: r.details ?? undefined,
    }));
  }
}
