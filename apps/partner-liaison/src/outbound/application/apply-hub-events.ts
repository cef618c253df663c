import { Injectable } from '@nestjs/common';
import {
  InitiativeEventType,
  InitiativeSnapshot,
  InitiativeWithdrawal,
  isWithdrawalTombstone,
  withdrawnSnapshotOf,
} from '@ctp/contracts';
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
 *
 * A withdrawal tombstone (a `withdrawn` event with only the identity, version and reason) is judged by the same rules
 * and applied over what is held of the record: its visibility and, when shareable, its content (`withdrawnSnapshotOf`),
 * so the partners that were sent it get the same retraction (`WITHDRAWN`) as for a whole withdrawn snapshot. A
 * tombstone for a record never held is kept as a restricted stub without content: no partner was sent it, none is told.
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
    const stored = await this.records.lockStates(tx, ids);
    const states = new Map<string, KnownRecordState | undefined>(stored);
    const tombstoneIds = events
      .filter((e) => e.envelope.type === InitiativeEventType.Withdrawn && isWithdrawalTombstone(e.envelope.data))
      .map((e) => (e.envelope.data as Partial<InitiativeWithdrawal>).initiativeId)
      .filter(isString)
      .filter((id) => stored.has(id));
    const held = await this.records.find(tx, [...new Set(tombstoneIds)]);
    const latest = new Map<string, RecordWrite>();
    const outcomes = events.map((received): EventOutcome => {
      const event = received.envelope;
      const data = event.data as InitiativeSnapshot | InitiativeWithdrawal;
      const verdict = judgeHubEvent(event, received.subject, states.get(data?.initiativeId), now);
      if (verdict.outcome === 'IGNORED') return { outcome: 'IGNORED', reason: verdict.reason };
      if (verdict.outcome === 'REJECTED') {
        return { outcome: 'REJECTED', reason: verdict.reason, detail: verdict.detail };
      }
      const withdrawn = event.type === InitiativeEventType.Withdrawn;
      const tombstone = withdrawn && isWithdrawalTombstone(data);
      // What a tombstone is applied over: this batch's newest version of the record, else the stored one.
      const before = latest.get(data.initiativeId) ?? held.get(data.initiativeId);
      const previous = before && 'record' in before ? before.record : before;
      const snapshot = withdrawnSnapshotOf(data, previous?.snapshot);
      // A tombstone carries no visibility: the record keeps the one held (restricted when none is).
      const visibility = tombstone ? (previous?.visibility ?? 'INTERPOL_RESTRICTED') : snapshot.visibility;
      const status = tombstone ? (states.get(data.initiativeId)?.status ?? null) : snapshot.status;
      const record: LiaisonRecord = {
        initiativeId: snapshot.initiativeId,
        region: verdict.hub.region,
        version: snapshot.version,
        visibility,
        withdrawn,
        // Restricted content is not kept, not even for a moment in this map.
        snapshot: visibility === 'PARTNER_SHAREABLE' && snapshot.visibility === 'PARTNER_SHAREABLE' ? snapshot : null,
      };
      states.set(record.initiativeId, { version: record.version, withdrawn, status });
      latest.set(record.initiativeId, { record, source: event.source, status, eventId: event.id });
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
