import { Inject, Injectable } from '@nestjs/common';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { newPartner, Partner, samePartner, updatedPartner } from '../domain/partner';
import { PartnerAlreadyExists, PartnerNotFound } from '../domain/partner-errors';
import { PartnerRepository } from '../persistence/partner.repository';

/** Registering partners and changing what may change about them (name, regions, agreement, webhook). */
@Injectable()
export class PartnerRegistry {
  constructor(
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly unitOfWork: UnitOfWork,
    private readonly partners: PartnerRepository,
  ) {}

  async register(body: unknown): Promise<Partner> {
    const partner = newPartner(body);
    const stored = await this.partners.insert(partner);
    if (!stored) throw new PartnerAlreadyExists(partner.ref);
    this.log.info({
      msg: 'partner registered',
      partner: stored.ref,
      regions: stored.regions,
      webhook: !!stored.webhook,
    });
    return stored;
  }

  async update(ref: string, body: unknown): Promise<Partner> {
    return this.unitOfWork.run(async (tx) => {
      const current = await this.partners.lock(tx, ref);
      if (!current) throw new PartnerNotFound(ref);
      const next = updatedPartner(current, body);
      if (samePartner(current, next)) return current;
      const stored = await this.partners.update(tx, next);
      tx.afterCommit(() =>
        this.log.info({ msg: 'partner updated', partner: ref, regions: stored.regions, webhook: !!stored.webhook }),
      );
      return stored;
    });
  }

  async get(ref: string): Promise<Partner> {
    const partner = await this.partners.findByRef(ref);
    if (!partner) throw new PartnerNotFound(ref);
    return partner;
  }

  async list(): Promise<Partner[]> {
    return this.partners.list();
  }
}
