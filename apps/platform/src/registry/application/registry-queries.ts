import { Injectable } from '@nestjs/common';
import { ACTION_STREAMS, INITIATIVE_KINDS, INITIATIVE_STATUSES, isCountryCode, REGION_CODES } from '@ctp/contracts';
import { initiativePage, QueryParams } from '@ctp/observability';
import { RecordNotInRegistry } from '../../platform-errors';
import {
  RegistryListFilter,
  RegistryRecord,
  RegistryRepository,
  RegistrySummary,
} from '../persistence/registry.repository';
import { searchTermsOf } from '../domain/search-text';
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
  'q',
  'cursor',
  'limit',
];

/** `q`: the words to find in the titles (search-text.ts); a query of no letter or digit is refused. */
function searchTerms(q: QueryParams): string[] | undefined {
  const text = q.text('q');
  if (text === undefined) return undefined;
  const terms = searchTermsOf(text);
  if (terms.length === 0) q.problem('q', 'hasLettersOrDigits', 'q must contain a letter or a digit');
  return terms;
}

/**
 * What an analyst reads of the registry: one record with its provenance, or a filtered page — of the records the
 * `viewer` may see. A restricted record is, to a reader of shareable records, answered exactly as an unknown id.
 */
@Injectable()
export class RegistryQueries {
  constructor(private readonly registry: RegistryRepository) {}

  async get(initiativeId: string, viewer: Viewer): Promise<RegistryRecord> {
    const record = await this.registry.findById(initiativeId, viewer);
    if (!record) throw new RecordNotInRegistry(initiativeId);
    return record;
  }

  async list(query: Record<string, unknown>, viewer: Viewer): Promise<RegistryPage> {
    const q = new QueryParams(query, QUERY_FIELDS);
    // `stream` is the short name of `primaryActionStream`; one of the two.
    const streamParam = q.has('primaryActionStream') || !q.has('stream') ? 'primaryActionStream' : 'stream';
    const filter: RegistryListFilter = {
      region: q.oneOf('region', [...REGION_CODES, 'GLB']),
      primaryStream: q.oneOf(streamParam, ACTION_STREAMS),
      status: q.oneOf('status', INITIATIVE_STATUSES),
      kind: q.oneOf('kind', INITIATIVE_KINDS),
      country: q.satisfying('country', isCountryCode, 'isoCountry', 'country must be an ISO 3166-1 alpha-2 code'),
      reporter: q.text('reporter'),
      cluster: q.text('cluster'),
      includeWithdrawn: q.boolean('includeWithdrawn') === true,
      terms: searchTerms(q),
      limit: 0,
    };
    const limit = q.limit(50, 500);
    filter.after = q.initiativeCursor('cursor', ['IP-', 'PT-']);
    q.done();
    const rows = await this.registry.list({ ...filter, limit: limit + 1 }, viewer);
    return initiativePage(rows, limit, (r) => r);
  }
}
