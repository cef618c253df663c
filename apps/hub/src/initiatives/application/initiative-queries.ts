import { Inject, Injectable } from '@nestjs/common';
import { ACTION_STREAMS, FieldProblem, INITIATIVE_STATUSES, InitiativeSnapshot, isCountryCode } from '@ctp/contracts';
import { HUB_CONFIG, HubConfig } from '../../config/hub.config';
import { MalformedInitiative } from '../domain/initiative-errors';
import { InitiativeRepository, RollupRow } from '../persistence/initiative.repository';

export interface InitiativePage {
  items: InitiativeSnapshot[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface HubRollup {
  reportingOrg: string;
  /** Live records (withdrawn ones count nowhere) by primary action stream and status. */
  rows: RollupRow[];
  total: number;
}

const QUERY_FIELDS = ['status', 'primaryActionStream', 'country', 'includeWithdrawn', 'cursor', 'limit'];

/** Reads of this hub's own records: one, a filtered page, the rollup. */
@Injectable()
export class InitiativeQueries {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly initiatives: InitiativeRepository,
  ) {}

  async get(initiativeId: string): Promise<InitiativeSnapshot | undefined> {
    return (await this.initiatives.findById(initiativeId))?.snapshot;
  }

  async list(query: Record<string, string | undefined>): Promise<InitiativePage> {
    const problems: FieldProblem[] = [];
    for (const k of Object.keys(query)) {
      if (!QUERY_FIELDS.includes(k))
        problems.push({
          field: k,
          rule: 'known',
          message: `unknown query parameter ${k}; use ${QUERY_FIELDS.join(', ')}`,
        });
    }
    const { status, primaryActionStream, country, includeWithdrawn, cursor } = query;
    if (status !== undefined && !(INITIATIVE_STATUSES as readonly string[]).includes(status)) {
      problems.push({
        field: 'status',
        rule: 'isIn',
        message: `status must be one of ${INITIATIVE_STATUSES.join(', ')}`,
      });
    }
    if (primaryActionStream !== undefined && !(ACTION_STREAMS as readonly string[]).includes(primaryActionStream)) {
      problems.push({
        field: 'primaryActionStream',
        rule: 'isIn',
        message: `primaryActionStream must be one of ${ACTION_STREAMS.join(', ')}`,
      });
    }
    if (country !== undefined && !isCountryCode(country)) {
      problems.push({
        field: 'country',
        rule: 'isoCountry',
        message: 'country must be an ISO 3166-1 alpha-2 code in upper case',
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
      if (!after.startsWith(`${this.config.orgRef}-`)) {
        problems.push({ field: 'cursor', rule: 'valid', message: 'cursor is not one this endpoint gave out' });
      }
    }
    if (problems.length) throw new MalformedInitiative(problems);
    const rows = await this.initiatives.list({
      status,
      primaryActionStream,
      country,
      includeWithdrawn: includeWithdrawn === 'true',
      after,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit).map((r) => r.snapshot);
    return rows.length > limit
      ? { items, nextCursor: Buffer.from(items[items.length - 1].initiativeId, 'utf8').toString('base64url') }
      : { items };
  }

  async rollup(): Promise<HubRollup> {
    const rows = await this.initiatives.rollup();
    return { reportingOrg: this.config.orgRef, rows, total: rows.reduce((n, r) => n + r.count, 0) };
  }
}
