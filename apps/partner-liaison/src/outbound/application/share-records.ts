import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { entryOfStep, FeedEntry } from '../domain/feed-entry';
import { LiaisonRecord, sharingStep, SharingStep } from '../domain/sharing';
import { FeedRepository, shareKey } from '../persistence/feed.repository';
import { OutboundPartner } from '../persistence/partner-directory';

/** Partners that have a webhook: their new entries are queued for delivery too. */
export function webhookPartnersOf(partners: readonly OutboundPartner[]): Set<string> {
  return new Set(partners.filter((p) => p.webhook).map((p) => p.ref));
}

/**
 * Brings every partner up to date with these records' current state: new shareable content into the feeds of the
 * partners whose regions cover it, retractions to the partners that hold what is now restricted or withdrawn, and
 * the shares table updated to match. Must run under `FeedRepository.lockFeeds`.
 */
@Injectable()
export class ShareRecords {
  constructor(private readonly feeds: FeedRepository) {}

  async execute(tx: Transaction, records: LiaisonRecord[], partners: OutboundPartner[]): Promise<FeedEntry[]> {
    if (records.length === 0 || partners.length === 0) return [];
    const shares = await this.feeds.sharesOf(
      tx,
      records.map((r) => r.initiativeId),
    );
    const steps: SharingStep[] = [];
    for (const record of records) {
      for (const partner of partners) {
        const step = sharingStep(record, partner, shares.get(shareKey(partner.ref, record.initiativeId)));
        if (step) steps.push(step);
      }
    }
    if (steps.length === 0) return [];
    const appended = await this.feeds.append(tx, steps.map(entryOfStep), webhookPartnersOf(partners));
    await this.feeds.saveShares(tx, steps);
    return appended;
  }
}
