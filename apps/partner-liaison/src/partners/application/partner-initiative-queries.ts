import { Injectable } from '@nestjs/common';
import { initiativeId, INITIATIVE_STATUSES, InitiativeSnapshot } from '@ctp/contracts';
import { initiativePage, QueryParams } from '@ctp/observability';
import { InitiativeNotFound } from '../domain/partner-errors';
import { PartnerInitiativeRepository } from '../persistence/partner-initiative.repository';
import { PartnerRegistry } from './partner-registry';

export interface PartnerInitiativePage {
  items: InitiativeSnapshot[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

const QUERY_FIELDS = ['status', 'includeWithdrawn', 'cursor', 'limit'];

/** Reads of one partner's initiatives as stored here. */
@Injectable()
export class PartnerInitiativeQueries {
  constructor(
    private readonly registry: PartnerRegistry,
    private readonly initiatives: PartnerInitiativeRepository,
  ) {}

  async get(partnerRef: string, localId: string): Promise<InitiativeSnapshot> {
    const partner = await this.registry.get(partnerRef);
    const id = initiativeId(partner.ref, localId);
    const stored = await this.initiatives.findById(id);
    if (!stored) throw new InitiativeNotFound(id);
    return stored.snapshot;
  }

  async list(partnerRef: string, query: Record<string, unknown>): Promise<PartnerInitiativePage> {
    const partner = await this.registry.get(partnerRef);
    const q = new QueryParams(query, QUERY_FIELDS);
    const status = q.oneOf('status', INITIATIVE_STATUSES);
    const includeWithdrawn = q.boolean('includeWithdrawn');
    const limit = q.limit(50, 500);
    const after = q.initiativeCursor('cursor', [`${partner.ref}-`]);
    q.done();
    const rows = await this.initiatives.list({
      partnerRef: partner.ref,
      status,
      includeWithdrawn: includeWithdrawn === true,
      after,
      limit: limit + 1,
    });
    return initiativePage(rows, limit, (r) => r.snapshot);
  }
}
