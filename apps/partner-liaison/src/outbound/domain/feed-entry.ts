import { InitiativeSnapshot, orderedSnapshot } from '@ctp/contracts';
import { NoticePayload } from './notices';
import { SharingStep } from './sharing';

export const FEED_ENTRY_KINDS = ['INITIATIVE', 'RETRACTION', 'NOTICE'] as const;
export type FeedEntryKind = (typeof FEED_ENTRY_KINDS)[number];

/** One message to one partner, before it gets its place (`seq`) in that partner's feed. */
export interface NewFeedEntry {
  partnerRef: string;
  kind: FeedEntryKind;
  /** The record it is about: the shared record, the retracted one, or (notices) the partner's own. */
  initiativeId: string;
  /** The record's version for INITIATIVE and RETRACTION; null for a NOTICE. */
  version: number | null;
  payload: InitiativeSnapshot | { reason: string } | NoticePayload;
}

export interface FeedEntry extends NewFeedEntry {
  /** 1, 2, 3… per partner, without gaps, in the order the entries were committed. */
  seq: number;
  createdAt: Date;
}

/**
 * What a partner receives, in its pull feed and as a webhook body alike. An INITIATIVE carries the shareable snapshot;
 * a RETRACTION carries only its reason (`RESTRICTED` or `WITHDRAWN`); a NOTICE the pair and what the partner may see
 * of the other record.
 */
export interface FeedItem {
  seq: number;
  kind: FeedEntryKind;
  initiativeId: string;
  version: number | null;
  payload: unknown;
  createdAt: string;
}

export function entryOfStep(step: SharingStep): NewFeedEntry {
  return step.kind === 'INITIATIVE'
    ? {
        partnerRef: step.partnerRef,
        kind: 'INITIATIVE',
        initiativeId: step.initiativeId,
        version: step.version,
        payload: orderedSnapshot(step.snapshot),
      }
    : {
        partnerRef: step.partnerRef,
        kind: 'RETRACTION',
        initiativeId: step.initiativeId,
        version: step.version,
        payload: { reason: step.reason },
      };
}

export function noticeEntry(partnerRef: string, notice: NoticePayload): NewFeedEntry {
  return { partnerRef, kind: 'NOTICE', initiativeId: notice.initiativeId, version: null, payload: notice };
}

/** The wire shape, fields in a fixed order (the webhook signature covers the exact bytes). */
export function feedItemOf(entry: FeedEntry): FeedItem {
  return {
    seq: entry.seq,
    kind: entry.kind,
    initiativeId: entry.initiativeId,
    version: entry.version,
    payload: entry.kind === 'INITIATIVE' ? orderedSnapshot(entry.payload as InitiativeSnapshot) : entry.payload,
    createdAt: entry.createdAt.toISOString(),
  };
}
