import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { PairChange } from '../domain/notices';

export interface PendingNotice {
  id: string;
  partnerRef: string;
  ownId: string;
  otherId: string;
  change: Pick<PairChange, 'pairId' | 'classification' | 'score'>;
}

export const pairKey = (partnerRef: string, pairId: string): string => `${partnerRef}\u0000${pairId}`;

interface PendingRow {
  id: string;
  partner_ref: string;
  own_id: string;
  other_id: string;
  change: PendingNotice['change'];
}

/** Table `pending_notices`: notices waiting for the other INTERPOL record of their pair to reach partner-liaison. */
@Injectable()
export class PendingNoticeRepository {
  /** The (partner, pair) keys that already have a notice waiting: later notices of those pairs must wait behind it. */
  async waitingPairs(tx: Transaction, keys: { partnerRef: string; pairId: string }[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows: { partner_ref: string; pair_id: string }[] = await tx.manager.query(
      `SELECT DISTINCT partner_ref, pair_id FROM pending_notices
        WHERE (partner_ref, pair_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [keys.map((k) => k.partnerRef), keys.map((k) => k.pairId)],
    );
    return new Set(rows.map((r) => pairKey(r.partner_ref, r.pair_id)));
  }

  async add(tx: Transaction, notices: Omit<PendingNotice, 'id'>[]): Promise<void> {
    if (notices.length === 0) return;
    await tx.manager.query(
      `INSERT INTO pending_notices (partner_ref, pair_id, own_id, other_id, change)
       SELECT partner_ref, pair_id, own_id, other_id, change
         FROM jsonb_to_recordset($1::jsonb) AS x(partner_ref text, pair_id text, own_id text, other_id text, change jsonb)`,
      [
        JSON.stringify(
          notices.map((n) => ({
            partner_ref: n.partnerRef,
            pair_id: n.change.pairId,
            own_id: n.ownId,
            other_id: n.otherId,
            change: n.change,
          })),
        ),
      ],
    );
  }

  /** Removes and returns, oldest first, the notices waiting for these records or waiting longer than `olderThanMs`. */
  async take(tx: Transaction, which: { otherIds: string[] } | { olderThanMs: number }): Promise<PendingNotice[]> {
    const rows: PendingRow[] =
      'otherIds' in which
        ? which.otherIds.length === 0
          ? []
          : await tx.manager.query(
              `WITH taken AS (
                 DELETE FROM pending_notices WHERE other_id = ANY($1::text[])
                 RETURNING id, partner_ref, own_id, other_id, change)
               SELECT * FROM taken`,
              [which.otherIds],
            )
        : // A pair's later notices go with its expired one, so they still leave in order.
          await tx.manager.query(
            `WITH taken AS (
               DELETE FROM pending_notices
                WHERE (partner_ref, pair_id) IN (
                  SELECT partner_ref, pair_id FROM pending_notices
                   WHERE created_at < now() - ($1::bigint * interval '1 millisecond'))
               RETURNING id, partner_ref, own_id, other_id, change)
             SELECT * FROM taken`,
            [which.olderThanMs],
          );
    return rows
      .map((r) => ({
        id: String(r.id),
        partnerRef: r.partner_ref,
        ownId: r.own_id,
        otherId: r.other_id,
        change: r.change,
      }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }
}
