import { Injectable } from '@nestjs/common';
import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { EventOutcome, ReceivedEvent } from '@ctp/messaging';
import type { Transaction } from '@ctp/persistence';
import { judgeHubEvent, KnownRecordState } from '../domain/record-rules';
import { LiaisonRecord } from '../domain/sharing';
import { FeedRepository } from '../persistence/feed.repository';
import { LiaisonRecordRepository, RecordWrite } from '../persistence/liaison-record.repository';
import { PartnerDirectory } from '../persistence/partner-directory';
import { DeliveryWakeUp } from './delivery-wake-up';
import { NoticeWriter } from './notice-writer';
import { ShareRecords } from './share-records';

/**
 * Applies a batch of hub initiative events to partner-liaison's copy of the INTERPOL records, in the batch's
 * transaction: the consumer rules judged in memory event by event (events of one initiative within the batch against
 * each other), one write for the newest versions, then every partner brought up to date with the records' final
 * state (content, or retraction), and the notices that waited for these records released.
 */
@Injectable()
export class ApplyHubEvents {
  constructor(
    private readonly records: LiaisonRecordRepository,
    private readonly feeds: FeedRepository,
    private readonly partners: PartnerDirectory,
    private readonly shareRecords: ShareRecords,
    private readonly notices: NoticeWriter,
    private readonly wakeUp: DeliveryWakeUp,
  ) {}

  async execute(tx: Transaction, events: ReceivedEvent[], now: number = Date.now()): Promise<EventOutcome[]> {
    const ids = [
      ...new Set(
        events.map((e) => (e.envelope.data as Partial<InitiativeSnapshot> | null)?.initiativeId).filter(isString),
      ),
    ];
    await this.feeds.lockFeeds(tx);
    const states = new Map<string, KnownRecordState | undefined>(await this.records.lockStates(tx, ids));
    const latest = new Map<string, RecordWrite>();
    const outcomes = events.map((received): EventOutcome => {
      const event = received.envelope;
      const snapshot = event.data as InitiativeSnapshot;
      const verdict = judgeHubEvent(event, received.subject, states.get(snapshot?.initiativeId), now);
      if (verdict.outcome === 'IGNORED') return { outcome: 'IGNORED', reason: verdict.reason };
      if (verdict.outcome === 'REJECTED') {
        return { outcome: 'REJECTED', reason: verdict.reason, detail: verdict.detail };
      }
      const withdrawn = event.type === InitiativeEventType.Withdrawn;
      const record: LiaisonRecord = {
        initiativeId: snapshot.initiativeId,
        region: verdict.hub.region,
        version: snapshot.version,
        visibility: snapshot.visibility,
        withdrawn,
        // Restricted content is not kept, not even for a moment in this map.
        snapshot: snapshot.visibility === 'PARTNER_SHAREABLE' ? snapshot : null,
      };
      states.set(record.initiativeId, { version: record.version, withdrawn, status: snapshot.status });
      latest.set(record.initiativeId, { record, source: event.source, status: snapshot.status, eventId: event.id });
      return { outcome: 'APPLIED' };
    });
    if (latest.size === 0) return outcomes;
    const writes = [...latest.values()];
    await this.records.save(tx, writes);
    const partners = await this.partners.all(tx);
    const shared = await this.shareRecords.execute(
      tx,
      writes.map((w) => w.record),
      partners,
    );
    const released = await this.notices.releaseWaitingFor(tx, [...latest.keys()], partners);
    if (shared.length + released.length > 0) tx.afterCommit(() => this.wakeUp.wake());
    return outcomes;
  }
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}
