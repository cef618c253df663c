import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@ctp/persistence';
import { AuditActor } from '../domain/audit';
import { isWithheld, recordsToCheck } from '../domain/current-visibility';
import { Delivery } from '../domain/delivery';
import { FeedEntryKind } from '../domain/feed-entry';
import { DeliveryNotFound, DeliveryNotResendable, DeliveryWithheld, PartnerNotFound } from '../domain/outbound-errors';
import { AuditRepository } from '../persistence/audit.repository';
import { DeliveryRepository } from '../persistence/delivery.repository';
import { PartnerDirectory } from '../persistence/partner-directory';
import { RecordVisibilityReader } from '../persistence/record-visibility.reader';
import { DeliveryWakeUp } from './delivery-wake-up';

/**
 * A DEAD (or already DELIVERED) delivery sent again on request: it goes back to PENDING with a fresh set of attempts,
 * keeps its id (so a receiver that processed it already can recognise it) and leaves at once, ahead of the partner's
 * later pending deliveries. Recorded in the audit with who asked. A delivery about a record that is not shareable NOW
 * (made restricted since) is never sent again: 410, and nothing changes.
 */
@Injectable()
export class ResendDelivery {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly partners: PartnerDirectory,
    private readonly deliveries: DeliveryRepository,
    private readonly audit: AuditRepository,
    private readonly visibility: RecordVisibilityReader,
    private readonly wakeUp: DeliveryWakeUp,
  ) {}

  async execute(partnerRef: string, deliveryId: string, actor?: AuditActor): Promise<Delivery> {
    if (!(await this.partners.find(partnerRef))) throw new PartnerNotFound(partnerRef);
    const before = await this.deliveries.find(partnerRef, deliveryId);
    if (!before) throw new DeliveryNotFound(partnerRef, deliveryId);
    if (before.status === 'WITHHELD') throw new DeliveryWithheld(deliveryId);
    const entry = { kind: before.kind as FeedEntryKind, initiativeId: before.initiativeId, payload: before.payload };
    const visibility = await this.visibility.visibilityOf(recordsToCheck([entry], partnerRef));
    if (isWithheld(entry, partnerRef, visibility)) throw new DeliveryWithheld(deliveryId);
    await this.unitOfWork.run(async (tx) => {
      if (!(await this.deliveries.requeue(tx, partnerRef, deliveryId))) {
        throw new DeliveryNotResendable(deliveryId, before.status);
      }
      await this.audit.record(tx, [
        {
          partnerRef,
          channel: 'WEBHOOK',
          action: 'RESEND',
          outcome: 'REQUEUED',
          deliveryId,
          entries: [{ seq: before.seq, kind: before.kind, initiativeId: before.initiativeId, version: before.version }],
          ...(actor ? { actor } : {}),
        },
      ]);
      tx.afterCommit(() => this.wakeUp.wake());
    });
    return (await this.deliveries.find(partnerRef, deliveryId))!;
  }
}
