import { AuditLine } from '../domain/audit';
import { Delivery } from '../domain/delivery';

/** A delivery as operators see it. */
export type DeliveryView = Omit<Delivery, 'payload' | DeliveryTimes> & Record<DeliveryTimes, string | null>;
type DeliveryTimes = 'nextAttemptAt' | 'lastAttemptAt' | 'deliveredAt' | 'createdAt';

export function deliveryView(d: Delivery): DeliveryView {
  return {
    id: d.id,
    partnerRef: d.partnerRef,
    seq: d.seq,
    kind: d.kind,
    initiativeId: d.initiativeId,
    version: d.version,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'PENDING' ? d.nextAttemptAt.toISOString() : null,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
  };
}

/**
 * One audit line: what was sent (ids, kinds, versions; never content) to which partner, when, by which channel; or a
 * change made through the API (channel API), with who made it.
 */
export interface AuditView {
  id: string;
  at: string;
  partnerRef: string;
  channel: string;
  action: string;
  outcome: string;
  deliveryId: string | null;
  attempt: number | null;
  httpStatus: number | null;
  error: string | null;
  entries: { seq: number; kind: string; initiativeId: string; version: number | null }[];
  /** Who: the `sub` and `org` of the token that made the change (or read the page, or asked for the re-send). */
  actor: { sub: string; org: string } | null;
  /** What changed (API lines): field names, URLs, versions, counts; never a secret. */
  details: Record<string, unknown> | null;
}

export function auditView(a: AuditLine): AuditView {
  return {
    id: a.id,
    at: a.at.toISOString(),
    partnerRef: a.partnerRef,
    channel: a.channel,
    action: a.action,
    outcome: a.outcome,
    deliveryId: a.deliveryId ?? null,
    attempt: a.attempt ?? null,
    httpStatus: a.httpStatus ?? null,
    error: a.error ?? null,
    entries: a.entries.map((e) => ({ seq: e.seq, kind: e.kind, initiativeId: e.initiativeId, version: e.version })),
    actor: a.actor ? { sub: a.actor.sub, org: a.actor.org } : null,
    details: a.details ?? null,
  };
}
