import { Module } from '@nestjs/common';
import { PartnersModule } from '../partners/partners.module';
import { ApplyHubEvents } from './application/apply-hub-events';
import { ApplyOverlapEvents } from './application/apply-overlap-events';
import { DeliverWebhooks, WebhookPoster } from './application/deliver-webhooks';
import { DeliveryWakeUp } from './application/delivery-wake-up';
import { NoticeWriter } from './application/notice-writer';
import { OutboundQueries } from './application/outbound-queries';
import { PartnerChangeAudit } from './application/partner-change-audit';
import { ReadFeed } from './application/read-feed';
import { ReconcileFeeds } from './application/reconcile-feeds';
import { ResendDelivery } from './application/resend-delivery';
import { ShareRecords } from './application/share-records';
import { AuditController } from './http/audit.controller';
import { PartnerFeedController } from './http/partner-feed.controller';
import { HubEventsHandler } from './messaging/hub-events.handler';
import { OverlapEventsHandler } from './messaging/overlap-events.handler';
import { loadOutboundConfig, OUTBOUND_CONFIG } from './outbound.config';
import { AuditRepository } from './persistence/audit.repository';
import { DeliveryRepository } from './persistence/delivery.repository';
import { FeedRepository } from './persistence/feed.repository';
import { LiaisonRecordRepository } from './persistence/liaison-record.repository';
import { PartnerDirectory } from './persistence/partner-directory';
import { PartnerRecordReader } from './persistence/partner-record.reader';
import { PendingNoticeRepository } from './persistence/pending-notice.repository';
import { RecordVisibilityReader } from './persistence/record-visibility.reader';
import { HttpWebhookPoster } from './workers/http-webhook-poster';
import { OutboundWorker } from './workers/outbound-worker';

/**
 * What each partner may see, going out: INTERPOL records shared by region and visibility, retractions, notices about
 * its own records, a pull feed, signed webhooks with retries, and the audit of all of it (docs/partner-feeds.md).
 */
@Module({
  // Subscribes to PartnerChanges: the changes made to partners are audited here, next to what was sent.
  imports: [PartnersModule],
  controllers: [PartnerFeedController, AuditController, HubEventsHandler, OverlapEventsHandler],
  providers: [
    { provide: OUTBOUND_CONFIG, useFactory: () => loadOutboundConfig() },
    { provide: WebhookPoster, useClass: HttpWebhookPoster },
    PartnerDirectory,
    LiaisonRecordRepository,
    FeedRepository,
    PendingNoticeRepository,
    PartnerRecordReader,
    RecordVisibilityReader,
    DeliveryRepository,
    AuditRepository,
    PartnerChangeAudit,
    DeliveryWakeUp,
    ShareRecords,
    NoticeWriter,
    ApplyHubEvents,
    ApplyOverlapEvents,
    ReconcileFeeds,
    ReadFeed,
    ResendDelivery,
    OutboundQueries,
    DeliverWebhooks,
    OutboundWorker,
  ],
  exports: [],
})
export class OutboundModule {}
