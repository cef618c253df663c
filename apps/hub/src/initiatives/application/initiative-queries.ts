import { Inject, Injectable } from '@nestjs/common';
import { ACTION_STREAMS, INITIATIVE_STATUSES, InitiativeSnapshot, isCountryCode } from '@ctp/contracts';
import { initiativePage, QueryParams } from '@ctp/observability';
import { HUB_CONFIG, HubConfig } from '../../config/hub.config';
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

  async list(query: Record<string, unknown>): Promise<InitiativePage> {
    const q = new QueryParams(query, QUERY_FIELDS);
    const status = q.oneOf('status', INITIATIVE_STATUSES);
    const primaryActionStream = q.oneOf('primaryActionStream', ACTION_STREAMS);
    const country = q.satisfying(
      'country',
      isCountryCode,
      'isoCountry',
      'country must be an ISO 3166-1 alpha-2 code in upper case',
    );
    const includeWithdrawn = q.boolean('includeWithdrawn');
    const limit = q.limit(50, 500);
    const after = q.initiativeCursor('cursor', [`${this.config.orgRef}-`]);
    q.done();
    const rows = await this.initiatives.list({
      status,
      primaryActionStream,
      country,
      includeWithdrawn: includeWithdrawn === true,
      after,
      limit: limit + 1,
    });
    return initiativePage(rows, limit, (r) => r.snapshot);
  }

  async rollup(): Promise<HubRollup> {
    const rows = await this.initiatives.rollup();
    return { reportingOrg: this.config.orgRef, rows, total: rows.reduce((n, r) => n + r.count, 0) };
  }
}
