import { FeedEntry } from './feed-entry';

/** FEED and WEBHOOK: what was sent. API: a change made through the HTTP API (registry, initiatives, imports). */
export type AuditChannel = 'FEED' | 'WEBHOOK' | 'API';

/** Which entries an audit line is about: ids, kinds and versions, never content. */
export interface AuditedEntry {
  seq: number;
  kind: string;
  initiativeId: string;
  version: number | null;
}

/** Who made a change (the verified token's `sub` and `org`). */
export interface AuditActor {
  sub: string;
  org: string;
}

export type AuditAction =
  /** FEED: a page served. */
  | 'FEED_PAGE'
  /** WEBHOOK: a POST, or a delivery not sent because its record is no longer shareable, or a re-send requested. */
  | 'DELIVERY_ATTEMPT'
  | 'DELIVERY_WITHHELD'
  | 'RESEND'
  /** API: registry changes. */
  | 'PARTNER_REGISTERED'
  | 'PARTNER_UPDATED'
  | 'WEBHOOK_SECRET_ROTATED'
  /** API: the partner's own initiatives. */
  | 'INITIATIVE_REPORTED'
  | 'INITIATIVE_WITHDRAWN'
  | 'CSV_IMPORTED';

export type AuditOutcome =
  | 'SERVED'
  | 'DELIVERED'
  | 'FAILED'
  | 'DEAD'
  | 'WITHHELD'
  | 'REQUEUED'
  | 'REGISTERED'
  | 'UPDATED'
  | 'ROTATED'
  | 'CREATED'
  | 'WITHDRAWN'
  | 'IMPORTED';

export interface AuditWrite {
  partnerRef: string;
  channel: AuditChannel;
  action: AuditAction;
  outcome: AuditOutcome;
  deliveryId?: string;
  attempt?: number;
  httpStatus?: number;
  /** Our own words (e.g. `HTTP 503`, `no answer within 5000 ms`): never what a receiver answered. */
  error?: string;
  entries: AuditedEntry[];
  /** Who did it: every change made through the API, and who read a feed page or asked for a re-send. */
  actor?: AuditActor;
  /** What changed, for API lines (field names, URLs, versions, counts): never a secret, never content. */
  details?: Record<string, unknown>;
  /** Records the line is about besides its entries' (an initiative reported or withdrawn). */
  initiativeIds?: string[];
}

export interface AuditLine extends AuditWrite {
  id: string;
  at: Date;
}

export function auditedEntry(e: FeedEntry): AuditedEntry {
  return { seq: e.seq, kind: e.kind, initiativeId: e.initiativeId, version: e.version };
}
