import { Injectable } from '@nestjs/common';
import { EventOutcome, ReceivedEvent } from '@ctp/messaging';
import type { Transaction } from '@ctp/persistence';
import { noticeTargets, PairChange, readOverlapEvent } from '../domain/notices';
import { FeedRepository } from '../persistence/feed.repository';
import { PartnerDirectory } from '../persistence/partner-directory';
import { DeliveryWakeUp } from './delivery-wake-up';
import { NoticeWriter } from './notice-writer';

/**
 * Applies a batch of the platform's `ctp.overlap.flagged.v1` / `.cleared.v1` events: each pair that involves a
 * partner's own record becomes a NOTICE in that partner's feed. Pairs between INTERPOL records concern no partner.
 */
@Injectable()
export class ApplyOverlapEvents {
  constructor(
    private readonly feeds: FeedRepository,
    private readonly partners: PartnerDirectory,
    private readonly notices: NoticeWriter,
    private readonly wakeUp: DeliveryWakeUp,
  ) {}

  async execute(tx: Transaction, events: ReceivedEvent[]): Promise<EventOutcome[]> {
    await this.feeds.lockFeeds(tx);
    const partners = await this.partners.all(tx);
    const changes: PairChange[] = [];
    const outcomes = events.map((received): EventOutcome => {
      const verdict = readOverlapEvent(received.envelope, received.subject);
      if (verdict.outcome === 'REJECTED') {
        return { outcome: 'REJECTED', reason: verdict.reason, detail: verdict.detail };
      }
      if (noticeTargets(verdict.change, partners).length === 0) {
        return { outcome: 'IGNORED', reason: 'NO_PARTNER_RECORD' };
      }
      changes.push(verdict.change);
      return { outcome: 'APPLIED' };
    });
    if (changes.length > 0) {
      const { sent } = await this.notices.notify(tx, changes, partners);
      if (sent.length > 0) tx.afterCommit(() => this.wakeUp.wake());
    }
    return outcomes;
  }
}
