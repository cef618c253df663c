import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { Delivery, DeliveryStatus } from '../domain/delivery';
import { DeliveryAfterAttempt } from '../domain/delivery-policy';
import { FeedEntry } from '../domain/feed-entry';
import { entryOf, FeedRow } from './feed.repository';

/** The head of one partner's queue: its oldest PENDING delivery, with the entry to send and where to send it. */
export interface QueueHead {
  id: string;
  partnerRef: string;
  seq: number;
  attempts: number;
  nextAttemptAt: Date;
  entry: FeedEntry;
  /**
   * Where to send it, and the partner's signing secrets as stored (sealed): the current one first, then the previous
   * one while its rotation grace period lasts.
   */
  webhook: { url: string; sealedSecrets: string[] };
}

/** A delivery's row: its feed entry's columns, and where its sending stands. */
interface DeliveryRow extends FeedRow {
  id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
}

const DELIVERY_COLUMNS = `d.id, d.partner_ref, d.seq, f.kind, f.initiative_id, f.version, f.payload, d.status, d.attempts,
  d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.created_at`;

/** Table `partner_deliveries`: the webhook delivery outbox. */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The oldest PENDING delivery of every partner that has a webhook (one index probe per partner). Only a head is
   * ever sent, so each receiver gets its messages in seq order and a failing one holds back the ones behind it.
   */
  async heads(): Promise<QueueHead[]> {
    const rows: (FeedRow & {
      id: string;
      attempts: number;
      next_attempt_at: Date;
      webhook_url: string;
      webhook_secret_enc: string;
      previous_secret_enc: string | null;
    })[] = await this.dataSource.query(
      `SELECT d.id, d.partner_ref, d.seq, d.attempts, d.next_attempt_at, f.kind, f.initiative_id, f.version,
              f.payload, f.created_at, p.webhook_url, p.webhook_secret_enc,
              CASE WHEN p.webhook_previous_secret_until > now() THEN p.webhook_previous_secret_enc END
                AS previous_secret_enc
         FROM partners p
         CROSS JOIN LATERAL (
           SELECT * FROM partner_deliveries x WHERE x.partner_ref = p.ref AND x.status = 'PENDING'
            ORDER BY x.seq LIMIT 1) d
         JOIN partner_feed f ON f.partner_ref = d.partner_ref AND f.seq = d.seq
        WHERE coalesce(p.webhook_url, '') <> '' AND coalesce(p.webhook_secret_enc, '') <> ''`,
    );
    return rows.map((r) => ({
      id: r.id,
      partnerRef: r.partner_ref,
      seq: Number(r.seq),
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      entry: entryOf(r),
      webhook: {
        url: r.webhook_url,
        sealedSecrets: [r.webhook_secret_enc, ...(r.previous_secret_enc ? [r.previous_secret_enc] : [])],
      },
    }));
  }

  /** Records one attempt's outcome, unless an operator changed the delivery meanwhile. */
  async recordAttempt(
    tx: Transaction,
    id: string,
    attempt: number,
    after: DeliveryAfterAttempt,
    httpStatus: number | undefined,
    error: string | undefined,
  ): Promise<boolean> {
    const rows: { id: string }[] = await tx.manager.query(
      `WITH changed AS (
         UPDATE partner_deliveries SET
           attempts = $2, status = $3,
           next_attempt_at = now() + ($4::bigint * interval '1 millisecond'),
           last_attempt_at = now(), last_status = $5, last_error = $6,
           delivered_at = CASE WHEN $3 = 'DELIVERED' THEN now() ELSE delivered_at END
         WHERE id = $1 AND status = 'PENDING' AND attempts = $2 - 1
         RETURNING id)
       SELECT id FROM changed`,
      [id, attempt, after.status, after.status === 'PENDING' ? after.retryInMs : 0, httpStatus ?? null, error ?? null],
    );
    return rows.length === 1;
  }

  /** A PENDING delivery that must never be sent (its record is no longer shareable): WITHHELD, for good. */
  async withhold(tx: Transaction, id: string, attempts: number, reason: string): Promise<boolean> {
    const rows: { id: string }[] = await tx.manager.query(
      `WITH changed AS (
         UPDATE partner_deliveries SET status = 'WITHHELD', last_error = $3
          WHERE id = $1 AND status = 'PENDING' AND attempts = $2
         RETURNING id)
       SELECT id FROM changed`,
      [id, attempts, reason],
    );
    return rows.length === 1;
  }

  /** A DELIVERED or DEAD delivery back to PENDING, with a fresh set of attempts, to be sent at once. */
  async requeue(tx: Transaction, partnerRef: string, id: string): Promise<boolean> {
    const rows: { id: string }[] = await tx.manager.query(
      `WITH changed AS (
         UPDATE partner_deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = now(), delivered_at = NULL
          WHERE id = $1 AND partner_ref = $2 AND status IN ('DELIVERED', 'DEAD')
         RETURNING id)
       SELECT id FROM changed`,
      [id, partnerRef],
    );
    return rows.length === 1;
  }

  async find(partnerRef: string, id: string): Promise<Delivery | undefined> {
    const rows: DeliveryRow[] = await this.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS} FROM partner_deliveries d
         JOIN partner_feed f ON f.partner_ref = d.partner_ref AND f.seq = d.seq
        WHERE d.id = $1 AND d.partner_ref = $2`,
      [id, partnerRef],
    );
    return rows[0] ? deliveryOf(rows[0]) : undefined;
  }

  /** A partner's deliveries in seq order, optionally of one status, after seq `afterSeq`. */
  async list(
    partnerRef: string,
    status: DeliveryStatus | undefined,
    afterSeq: number,
    limit: number,
  ): Promise<Delivery[]> {
    const rows: DeliveryRow[] = await this.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS} FROM partner_deliveries d
         JOIN partner_feed f ON f.partner_ref = d.partner_ref AND f.seq = d.seq
        WHERE d.partner_ref = $1 AND ($2::text IS NULL OR d.status = $2) AND d.seq > $3
        ORDER BY d.seq LIMIT $4`,
      [partnerRef, status ?? null, afterSeq, limit],
    );
    return rows.map(deliveryOf);
  }

  /** Deliveries not yet delivered nor dead, for the backlog gauge. */
  async pendingCount(): Promise<number> {
    const [{ n }] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM partner_deliveries WHERE status = 'PENDING'`,
    );
    return n as number;
  }
}

function deliveryOf(r: DeliveryRow): Delivery {
  return {
    ...entryOf(r),
    id: r.id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
  };
}
