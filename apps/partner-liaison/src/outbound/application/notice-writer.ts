import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { FeedEntry, NewFeedEntry, noticeEntry } from '../domain/feed-entry';
import {
  describeOther,
  factsOfRecord,
  NoticeTarget,
  noticeOf,
  noticeTargets,
  PairChange,
  RecordFacts,
} from '../domain/notices';
import { FeedRepository } from '../persistence/feed.repository';
import { LiaisonRecordRepository } from '../persistence/liaison-record.repository';
import { OutboundPartner } from '../persistence/partner-directory';
import { PartnerRecordReader } from '../persistence/partner-record.reader';
import { pairKey, PendingNotice, PendingNoticeRepository } from '../persistence/pending-notice.repository';
import { webhookPartnersOf } from './share-records';

/**
 * Turns flagged and cleared pairs into NOTICE entries for the partners whose own records they involve. When the other
 * record is an INTERPOL record partner-liaison has not received yet (the platform saw it first: the two consumers run
 * independently), the notice waits for it, so that whether the partner may see it is decided on what it really is;
 * later notices of the same pair wait behind it, so that a partner always gets a pair's notices in order. A pair whose
 * other record the partner may not see (restricted, or still unknown when waiting is over) gives it no notice at all.
 * All methods must run under `FeedRepository.lockFeeds`.
 */
@Injectable()
export class NoticeWriter {
  constructor(
    private readonly feeds: FeedRepository,
    private readonly records: LiaisonRecordRepository,
    private readonly pending: PendingNoticeRepository,
    private readonly partnerRecords: PartnerRecordReader,
  ) {}

  async notify(
    tx: Transaction,
    changes: PairChange[],
    partners: OutboundPartner[],
  ): Promise<{ sent: FeedEntry[]; waiting: number }> {
    const targets = changes.flatMap((change) => noticeTargets(change, partners).map((target) => ({ change, target })));
    if (targets.length === 0) return { sent: [], waiting: 0 };
    const known = await this.factsOf(
      tx,
      targets.map((t) => t.target.otherId),
    );
    const waiting = await this.pending.waitingPairs(
      tx,
      targets.map((t) => ({ partnerRef: t.target.partnerRef, pairId: t.change.pairId })),
    );
    const entries: NewFeedEntry[] = [];
    const toWait: Omit<PendingNotice, 'id'>[] = [];
    for (const { change, target } of targets) {
      const key = pairKey(target.partnerRef, change.pairId);
      const decision = waiting.has(key) ? 'WAIT' : describeOther(target, known.get(target.otherId), false);
      if (decision === 'WITHHOLD') continue;
      if (decision !== 'WAIT') {
        entries.push(noticeEntry(target.partnerRef, noticeOf(change, target, decision)));
      } else {
        waiting.add(key);
        toWait.push({
          partnerRef: target.partnerRef,
          ownId: target.ownId,
          otherId: target.otherId,
          change: { pairId: change.pairId, classification: change.classification, score: change.score },
        });
      }
    }
    await this.pending.add(tx, toWait);
    return { sent: await this.feeds.append(tx, entries, webhookPartnersOf(partners)), waiting: toWait.length };
  }

  /** Sends the notices that waited for these records, now that partner-liaison knows them. */
  async releaseWaitingFor(tx: Transaction, initiativeIds: string[], partners: OutboundPartner[]): Promise<FeedEntry[]> {
    return this.release(tx, await this.pending.take(tx, { otherIds: initiativeIds }), partners);
  }

  /** Sends the notices that waited longer than `waitMs`: a pair whose other record is still unknown gets none. */
  async releaseExpired(tx: Transaction, waitMs: number, partners: OutboundPartner[]): Promise<FeedEntry[]> {
    return this.release(tx, await this.pending.take(tx, { olderThanMs: waitMs }), partners);
  }

  private async release(tx: Transaction, taken: PendingNotice[], partners: OutboundPartner[]): Promise<FeedEntry[]> {
    if (taken.length === 0) return [];
    const known = await this.factsOf(
      tx,
      taken.map((n) => n.otherId),
    );
    const entries: NewFeedEntry[] = [];
    for (const n of taken) {
      const target: NoticeTarget = { partnerRef: n.partnerRef, ownId: n.ownId, otherId: n.otherId };
      const decision = describeOther(target, known.get(n.otherId), true);
      // Restricted, or never heard of: the partner gets no notice of this pair at all.
      if (decision !== 'WAIT' && decision !== 'WITHHOLD') {
        entries.push(noticeEntry(n.partnerRef, noticeOf(n.change, target, decision)));
      }
    }
    return this.feeds.append(tx, entries, webhookPartnersOf(partners));
  }

  /** What is known of these records: INTERPOL records from partner-liaison's copy, partners' from their table. */
  private async factsOf(tx: Transaction, ids: string[]): Promise<Map<string, RecordFacts>> {
    const unique = [...new Set(ids)];
    const facts = await this.partnerRecords.facts(tx, unique);
    for (const [id, record] of await this.records.find(
      tx,
      unique.filter((i) => i.startsWith('IP-')),
    )) {
      facts.set(id, factsOfRecord(record));
    }
    return facts;
  }
}
