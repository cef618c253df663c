import { Inject, Injectable } from '@nestjs/common';
import { UnitOfWork } from '@ctp/persistence';
import { OUTBOUND_CONFIG, OutboundConfig } from '../outbound.config';
import { FeedRepository } from '../persistence/feed.repository';
import { LiaisonRecordRepository } from '../persistence/liaison-record.repository';
import { PartnerDirectory } from '../persistence/partner-directory';
import { DeliveryWakeUp } from './delivery-wake-up';
import { NoticeWriter } from './notice-writer';
import { ShareRecords } from './share-records';

const RECORDS_PER_ROUND = 1000;

/**
 * The feeds' safety net, run now and then by the worker: a partner registered (or given a region) after the records
 * arrived gets its backlog of shareable records, and notices that waited too long for their other record leave
 * without it. Event handling normally leaves nothing for it to do.
 */
@Injectable()
export class ReconcileFeeds {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly feeds: FeedRepository,
    private readonly records: LiaisonRecordRepository,
    private readonly partners: PartnerDirectory,
    private readonly shareRecords: ShareRecords,
    private readonly notices: NoticeWriter,
    private readonly wakeUp: DeliveryWakeUp,
    @Inject(OUTBOUND_CONFIG) private readonly config: OutboundConfig,
  ) {}

  async execute(): Promise<{ entries: number; more: boolean }> {
    return this.unitOfWork.run(async (tx) => {
      await this.feeds.lockFeeds(tx);
      const partners = await this.partners.all(tx);
      const records = partners.length > 0 ? await this.records.needingShares(tx, RECORDS_PER_ROUND) : [];
      const shared = await this.shareRecords.execute(tx, records, partners);
      const released = await this.notices.releaseExpired(tx, this.config.noticeWaitMs, partners);
      const entries = shared.length + released.length;
      if (entries > 0) tx.afterCommit(() => this.wakeUp.wake());
      return { entries, more: records.length === RECORDS_PER_ROUND };
    });
  }
}
