import { Injectable } from '@nestjs/common';
import {
  ACTION_STREAMS,
  FieldProblem,
  INITIATIVE_KINDS,
  INITIATIVE_STATUSES,
  isCountryCode,
  REGION_CODES,
} from '@ctp/contracts';
import { RequestProblem } from '@ctp/observability';
import {
  RegistryListFilter,
  RegistryRecord,
  RegistryRepository,
  RegistrySummary,
} from '../persistence/registry.repository';
import { Viewer } from '../domain/visibility';

export interface RegistryPage {
  items: RegistrySummary[];
  nextCursor?: string;
}

const QUERY_FIELDS = [
  'region',
  'primaryActionStream',
  'stream',
  'status',
  'kind',
  'country',
  'reporter',
  'cluster',
  'includeWithdrawn',
  'cursor',
  'limit',
];

/**
 * What an analyst reads of the registry: one record with its provenance, or a filtered page — of the records the
 * `viewer` may see. A restricted record is, to a reader of shareable records, answered exactly as an unknown id.
 */
@Injectable()
export class RegistryQueries {
  constructor(private readonly registry: RegistryRepository) {}

  async get(initiativeId: string, viewer: Viewer): Promise<RegistryRecord> {
    const record = await this.registry.findById(initiativeId, viewer);
    if (!record) throw new RequestProblem(404, `initiative ${initiativeId} is not in the registry`);
    return record;
  }

  async list(query: Record<string, string | undefined>, viewer: Viewer): Promise<RegistryPage> {
    const problems: FieldProblem[] = [];
    const bad = (field: string, rule: string, message: string) => problems.push({ field, rule, message });
    for (const k of Object.keys(query))
      if (!QUERY_FIELDS.includes(k)) bad(k, 'known', `unknown query parameter; use ${QUERY_FIELDS.join(', ')}`);
    const oneOf = (field: string, allowed: readonly string[]) => {
      const v = query[field];
      if (v !== undefined && !allowed.includes(v)) bad(field, 'isIn', `${field} must be one of ${allowed.join(', ')}`);
      return v;
    };
    const stream = query.primaryActionStream ?? query.stream;
    if (stream !== undefined && !(ACTION_STREAMS as readonly string[]).includes(stream)) {
      bad(
        query.primaryActionStream !== undefined ? 'primaryActionStream' : 'stream',
        'isIn',
        `must be one of ${ACTION_STREAMS.join(', ')}`,
      );
    }
    const filter: RegistryListFilter = {
      region: oneOf('region', [...REGION_CODES, 'GLB']),
      primaryStream: stream,
      status: oneOf('status', INITIATIVE_STATUSES),
      kind: oneOf('kind', INITIATIVE_KINDS),
      country: query.country,
      reporter: query.reporter,
      cluster: query.cluster,
      includeWithdrawn: query.includeWithdrawn === 'true',
      limit: 0,
    };
    if (query.country !== undefined && !isCountryCode(query.country))
      bad('country', 'isoCountry', 'country must be an ISO 3166-1 alpha-2 code');
    if (query.includeWithdrawn !== undefined && !['true', 'false'].includes(query.includeWithdrawn)) {
      bad('includeWithdrawn', 'isBoolean', 'includeWithdrawn must be true or false');
    }
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      bad('limit', 'range', 'limit must be a whole number from 1 to 500');
    if (query.cursor !== undefined) {
      filter.after = Buffer.from(query.cursor, 'base64url').toString('utf8');
      if (!/^(IP-|PT-)/.test(filter.after)) bad('cursor', 'valid', 'cursor is not one this endpoint gave out');
    }
    if (problems.length) {
      throw new RequestProblem(400, `invalid query: ${problems.map((p) => p.field).join(', ')}`, problems);
    }
    const rows = await this.registry.list({ ...filter, limit: limit + 1 }, viewer);
    const items = rows.slice(0, limit);
    return rows.length > limit
      ? { items, nextCursor: Buffer.from(items[items.length - 1].initiativeId, 'utf8').toString('base64url') }
      : { items };
  }
}
