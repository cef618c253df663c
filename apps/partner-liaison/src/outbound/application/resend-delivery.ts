import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@ctp/persistence';
import { DeliveryNotFound, DeliveryNotResendable, PartnerNotFound } from '../domain/outbound-errors';
import { AuditRepository } from '../persistence/audit.repository';
import { Delivery, DeliveryRepository } from '../persistence/delivery.repository';
import { PartnerDirectory } from '../persistence/partner-directory';
import { DeliveryWakeUp } from './delivery-wake-up';

/**
 * An operator sends a DEAD (or already DELIVERED) delivery again: it goes back to PENDING with a fresh set of
 * attempts, keeps its id (so a receiver that processed it already can recognise it) and leaves at once, ahead of the
 * partner's later pending deliveries. Recorded in the audit.
 */
@Injectable()
export class ResendDelivery {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly partners: PartnerDirectory,
    private readonly deliveries: DeliveryRepository,
    private readonly audit: AuditRepository,
    private readonly wakeUp: DeliveryWakeUp,
  ) {}

  async execute(partnerRef: string, deliveryId: string): Promise<Delivery> {
    if (!(await this.partners.find(partnerRef))) throw new PartnerNotFound(partnerRef);
    const before = await this.deliveries.find(partnerRef, deliveryId);
    if (!before) throw new DeliveryNotFound(partnerRef, deliveryId);
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
        },
      ]);
      tx.afterCommit(() => this.wakeUp.wake());
    });
    return (await this.deliveries.find(partnerRef, deliveryId))!;
  }
}
