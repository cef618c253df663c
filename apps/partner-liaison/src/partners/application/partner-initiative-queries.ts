import { Injectable } from '@nestjs/common';
import { FieldProblem, initiativeId, INITIATIVE_STATUSES, InitiativeSnapshot } from '@ctp/contracts';
import { InitiativeNotFound, MalformedRequest } from '../domain/partner-errors';
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

  async list(partnerRef: string, query: Record<string, string | undefined>): Promise<PartnerInitiativePage> {
    const partner = await this.registry.get(partnerRef);
    const problems: FieldProblem[] = [];
    for (const k of Object.keys(query)) {
      if (!QUERY_FIELDS.includes(k)) {
        problems.push({
          field: k,
          rule: 'known',
          message: `unknown query parameter ${k}; use ${QUERY_FIELDS.join(', ')}`,
        });
      }
    }
    const { status, includeWithdrawn, cursor } = query;
    if (status !== undefined && !(INITIATIVE_STATUSES as readonly string[]).includes(status)) {
      problems.push({
        field: 'status',
        rule: 'isIn',
        message: `status must be one of ${INITIATIVE_STATUSES.join(', ')}`,
      });
    }
    if (includeWithdrawn !== undefined && !['true', 'false'].includes(includeWithdrawn)) {
      problems.push({
        field: 'includeWithdrawn',
        rule: 'isBoolean',
        message: 'includeWithdrawn must be true or false',
      });
    }
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      problems.push({ field: 'limit', rule: 'range', message: 'limit must be a whole number from 1 to 500' });
    }
    let after: string | undefined;
    if (cursor !== undefined) {
      after = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!after.startsWith(`${partner.ref}-`)) {
        problems.push({ field: 'cursor', rule: 'valid', message: 'cursor is not one this endpoint gave out' });
      }
    }
    if (problems.length) throw new MalformedRequest(problems);
    const rows = await this.initiatives.list({
      partnerRef: partner.ref,
      status,
      includeWithdrawn: includeWithdrawn === 'true',
      after,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit).map((r) => r.snapshot);
    return rows.length > limit
      ? { items, nextCursor: Buffer.from(items[items.length - 1].initiativeId, 'utf8').toString('base64url') }
      : { items };
  }
}
