import { Injectable } from '@nestjs/common';
import { AuditActor, auditedEntry } from '../domain/audit';
import { isWithheld, recordsToCheck } from '../domain/current-visibility';
import { FeedEntry, FeedItem, feedItemOf } from '../domain/feed-entry';
import { PartnerNotFound } from '../domain/outbound-errors';
import { AuditRepository } from '../persistence/audit.repository';
import { FeedRepository } from '../persistence/feed.repository';
import { PartnerDirectory } from '../persistence/partner-directory';
import { RecordVisibilityReader } from '../persistence/record-visibility.reader';

export interface FeedPage {
  items: FeedItem[];
  /** Where to read from next: the last seq looked at, or the cursor given when there was nothing new. */
  nextCursor: string;
}

/** Rows read past withheld entries before a page is returned short (each round reads `limit` rows). */
const MAX_ROUNDS = 20;

/**
 * One page of a partner's pull feed, recorded in the audit (channel FEED) before it is returned. Entries whose record
 * is no longer shareable NOW (made restricted since they were written) are left out: their seq is skipped, and the
 * page is filled from the entries after them.
 */
@Injectable()
export class ReadFeed {
  constructor(
    private readonly partners: PartnerDirectory,
    private readonly feeds: FeedRepository,
    private readonly audit: AuditRepository,
    private readonly visibility: RecordVisibilityReader,
  ) {}

  async execute(query: { partnerRef: string; afterSeq: number; limit: number; actor?: AuditActor }): Promise<FeedPage> {
    const partner = await this.partners.find(query.partnerRef);
    if (!partner) throw new PartnerNotFound(query.partnerRef);
    const served: FeedEntry[] = [];
    let cursor = query.afterSeq;
    for (let round = 0; round < MAX_ROUNDS && served.length < query.limit; round++) {
      const rows = await this.feeds.page(partner.ref, cursor, query.limit);
      const visibility = await this.visibility.visibilityOf(recordsToCheck(rows, partner.ref));
      for (const row of rows) {
        cursor = row.seq;
        if (!isWithheld(row, partner.ref, visibility)) served.push(row);
        if (served.length === query.limit) break;
      }
      if (rows.length < query.limit) break;
    }
    await this.audit.record(undefined, [
      {
        partnerRef: partner.ref,
        channel: 'FEED',
        action: 'FEED_PAGE',
        outcome: 'SERVED',
        entries: served.map(auditedEntry),
        ...(query.actor ? { actor: query.actor } : {}),
      },
    ]);
    return { items: served.map(feedItemOf), nextCursor: String(cursor) };
  }
}
