import { Injectable } from '@nestjs/common';
import { AuditLine } from '../domain/audit';
import { Delivery, DeliveryStatus } from '../domain/delivery';
import { PartnerNotFound } from '../domain/outbound-errors';
import { AuditFilter, AuditRepository } from '../persistence/audit.repository';
import { DeliveryRepository } from '../persistence/delivery.repository';
import { PartnerDirectory } from '../persistence/partner-directory';

/** Reads for operators: a partner's deliveries, and the audit. */
@Injectable()
export class OutboundQueries {
  constructor(
    private readonly partners: PartnerDirectory,
    private readonly deliveries: DeliveryRepository,
    private readonly audit: AuditRepository,
  ) {}

  async deliveriesOf(
    partnerRef: string,
    query: { status?: DeliveryStatus; afterSeq: number; limit: number },
  ): Promise<Delivery[]> {
    await this.mustExist(partnerRef);
    return this.deliveries.list(partnerRef, query.status, query.afterSeq, query.limit);
  }

  /** With `partnerRef`, that partner must exist (404 otherwise); without, every partner's lines. */
  async auditLines(filter: AuditFilter, partnerMustExist: boolean): Promise<AuditLine[]> {
    if (partnerMustExist && filter.partnerRef) await this.mustExist(filter.partnerRef);
    return this.audit.list(filter);
  }

  private async mustExist(partnerRef: string): Promise<void> {
    if (!(await this.partners.find(partnerRef))) throw new PartnerNotFound(partnerRef);
  }
}
