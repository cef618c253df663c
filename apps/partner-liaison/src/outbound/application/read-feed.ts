import { Injectable } from '@nestjs/common';
import { FeedItem, feedItemOf } from '../domain/feed-entry';
import { PartnerNotFound } from '../domain/outbound-errors';
import { AuditRepository, auditedEntry } from '../persistence/audit.repository';
import { FeedRepository } from '../persistence/feed.repository';
import { PartnerDirectory } from '../persistence/partner-directory';

export interface FeedPage {
  items: FeedItem[];
  /** Where to read from next: the last seq served, or the cursor given when there was nothing new. */
  nextCursor: string;
}

/** One page of a partner's pull feed, recorded in the audit (channel FEED) before it is returned. */
@Injectable()
export class ReadFeed {
  constructor(
    private readonly partners: PartnerDirectory,
    private readonly feeds: FeedRepository,
    private readonly audit: AuditRepository,
  ) {}

  async execute(query: { partnerRef: string; afterSeq: number; limit: number }): Promise<FeedPage> {
    const partner = await this.partners.find(query.partnerRef);
    if (!partner) throw new PartnerNotFound(query.partnerRef);
    const entries = await this.feeds.page(partner.ref, query.afterSeq, query.limit);
    await this.audit.record(undefined, [
      {
        partnerRef: partner.ref,
        channel: 'FEED',
        action: 'FEED_PAGE',
        outcome: 'SERVED',
        entries: entries.map(auditedEntry),
      },
    ]);
    const last = entries[entries.length - 1];
    return { items: entries.map(feedItemOf), nextCursor: String(last ? last.seq : query.afterSeq) };
  }
}
