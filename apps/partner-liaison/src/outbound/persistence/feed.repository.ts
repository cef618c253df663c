import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { FeedEntry, FeedEntryKind, NewFeedEntry } from '../domain/feed-entry';
import { Share, SharingStep } from '../domain/sharing';

export interface FeedRow {
  partner_ref: string;
  seq: string;
  kind: FeedEntryKind;
  initiative_id: string;
  version: number | null;
  payload: NewFeedEntry['payload'];
  created_at: Date;
}

export const shareKey = (partnerRef: string, initiativeId: string): string => `${partnerRef}\u0000${initiativeId}`;

/** Partners' feeds (`partner_feed`), what each holds (`partner_shares`), and the deliveries their entries create. */
@Injectable()
export class FeedRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One feed writer at a time (both consumers, the reconciliation, every instance), until commit. Taken first in the
   * transaction. It makes each partner's seq follow commit order without gaps: a reader that has seen seq n can never
   * later find an entry below n committed behind its back.
   */
  async lockFeeds(tx: Transaction): Promise<void> {
    await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtext('ctp-liaison-feeds'))`);
  }

  async sharesOf(tx: Transaction, initiativeIds: string[]): Promise<Map<string, Share>> {
    if (initiativeIds.length === 0) return new Map();
    const rows: { partner_ref: string; initiative_id: string; state: Share['state']; shared_version: number }[] =
      await tx.manager.query(
        `SELECT partner_ref, initiative_id, state, shared_version FROM partner_shares
          WHERE initiative_id = ANY($1::text[])`,
        [initiativeIds],
      );
    return new Map(
      rows.map((r) => [shareKey(r.partner_ref, r.initiative_id), { state: r.state, sharedVersion: r.shared_version }]),
    );
  }

  async saveShares(tx: Transaction, steps: SharingStep[]): Promise<void> {
    if (steps.length === 0) return;
    const rows = steps.map((s) => ({
      partner_ref: s.partnerRef,
      initiative_id: s.initiativeId,
      state: s.kind === 'INITIATIVE' ? 'SHARED' : 'RETRACTED',
      shared_version: s.kind === 'INITIATIVE' ? s.version : 0,
      retracted_version: s.kind === 'RETRACTION' ? s.version : null,
      retraction_reason: s.kind === 'RETRACTION' ? s.reason : null,
    }));
    await tx.manager.query(
      `INSERT INTO partner_shares AS s
         (partner_ref, initiative_id, state, shared_version, retracted_version, retraction_reason)
       SELECT partner_ref, initiative_id, state, shared_version, retracted_version, retraction_reason
         FROM jsonb_to_recordset($1::jsonb) AS x(partner_ref text, initiative_id text, state text, shared_version int,
              retracted_version int, retraction_reason text)
       ON CONFLICT (partner_ref, initiative_id) DO UPDATE SET
         state = excluded.state,
         shared_version = CASE WHEN excluded.state = 'SHARED' THEN excluded.shared_version ELSE s.shared_version END,
         retracted_version = excluded.retracted_version,
         retraction_reason = excluded.retraction_reason,
         updated_at = now()`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * Appends entries to their partners' feeds (each partner's next seqs, in the given order) and queues a webhook
   * delivery for each entry of a partner in `webhookPartners`. Must run under `lockFeeds`.
   */
  async append(tx: Transaction, entries: NewFeedEntry[], webhookPartners: ReadonlySet<string>): Promise<FeedEntry[]> {
    if (entries.length === 0) return [];
    const partnerRefs = [...new Set(entries.map((e) => e.partnerRef))];
    const heads: { partner_ref: string; last: string }[] = await tx.manager.query(
      `SELECT partner_ref, max(seq) AS last FROM partner_feed WHERE partner_ref = ANY($1::text[]) GROUP BY partner_ref`,
      [partnerRefs],
    );
    const next = new Map(heads.map((h) => [h.partner_ref, Number(h.last)]));
    const rows = entries.map((e) => {
      const seq = (next.get(e.partnerRef) ?? 0) + 1;
      next.set(e.partnerRef, seq);
      return {
        partner_ref: e.partnerRef,
        seq,
        kind: e.kind,
        initiative_id: e.initiativeId,
        version: e.version,
        payload: e.payload,
      };
    });
    const inserted: FeedRow[] = await tx.manager.query(
      `INSERT INTO partner_feed (partner_ref, seq, kind, initiative_id, version, payload)
       SELECT partner_ref, seq, kind, initiative_id, version, payload
         FROM jsonb_to_recordset($1::jsonb) AS x(partner_ref text, seq bigint, kind text, initiative_id text,
              version int, payload jsonb)
       RETURNING partner_ref, seq, kind, initiative_id, version, payload, created_at`,
      [JSON.stringify(rows)],
    );
    const pushed = rows.filter((r) => webhookPartners.has(r.partner_ref));
    if (pushed.length > 0) {
      await tx.manager.query(
        `INSERT INTO partner_deliveries (partner_ref, seq) SELECT * FROM unnest($1::text[], $2::bigint[])`,
        [pushed.map((r) => r.partner_ref), pushed.map((r) => r.seq)],
      );
    }
    return inserted.map(entryOf).sort((a, b) => a.partnerRef.localeCompare(b.partnerRef) || a.seq - b.seq);
  }

  /** One page of a partner's feed, after seq `afterSeq`, in seq order. */
  async page(partnerRef: string, afterSeq: number, limit: number): Promise<FeedEntry[]> {
    const rows: FeedRow[] = await this.dataSource.query(
      `SELECT partner_ref, seq, kind, initiative_id, version, payload, created_at FROM partner_feed
        WHERE partner_ref = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [partnerRef, afterSeq, limit],
    );
    return rows.map(entryOf);
  }
}

export function entryOf(r: FeedRow): FeedEntry {
  return {
    partnerRef: r.partner_ref,
    seq: Number(r.seq),
    kind: r.kind,
    initiativeId: r.initiative_id,
    version: r.version,
    payload: r.payload,
    createdAt: r.created_at,
  };
}
