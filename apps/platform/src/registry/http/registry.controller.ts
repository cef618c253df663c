import { Access, CurrentPrincipal, Principal } from '@ctp/auth';
import { Controller, Get, Param, Query, UseFilters } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ACTION_STREAMS, INITIATIVE_KINDS, INITIATIVE_STATUSES, REGION_CODES } from '@ctp/contracts';
import { RegistryPage, RegistryQueries } from '../application/registry-queries';
import { RegistryRecord } from '../domain/registry-record';
import { registryViewerOf } from '../../http/viewer';
import { PlatformErrorFilter } from '../../http/platform-error.filter';

/**
 * The registry, as its reader may see it: `registry:read-restricted` at an INTERPOL organisation reads every record;
 * `registry:read` reads the PARTNER_SHAREABLE ones only, and nothing of the others — not in a page, its cursor or a
 * cluster, and an INTERPOL_RESTRICTED id answers 404 exactly like an unknown one.
 */
@ApiTags('registry')
@UseFilters(PlatformErrorFilter)
@Controller('initiatives')
export class RegistryController {
  constructor(private readonly queries: RegistryQueries) {}

  @Get()
  @Access(['registry:read', 'registry:read-restricted'])
  @ApiOperation({ summary: 'The global registry, filtered, in pages (follow nextCursor)' })
  @ApiQuery({ name: 'region', required: false, enum: [...REGION_CODES, 'GLB'] })
  @ApiQuery({ name: 'primaryActionStream', required: false, enum: ACTION_STREAMS, description: 'alias: stream' })
  @ApiQuery({ name: 'status', required: false, enum: INITIATIVE_STATUSES })
  @ApiQuery({ name: 'kind', required: false, enum: INITIATIVE_KINDS })
  @ApiQuery({ name: 'country', required: false, description: 'ISO 3166-1 alpha-2' })
  @ApiQuery({ name: 'reporter', required: false, description: 'reportingOrg.ref, e.g. IP-HUB-AFR or PT-UNODC' })
  @ApiQuery({ name: 'cluster', required: false, description: 'a cluster id (its canonical initiative id)' })
  @ApiQuery({ name: 'includeWithdrawn', required: false, type: Boolean })
  @ApiQuery({
    name: 'q',
    required: false,
    description:
      'Words to find in the title, its translations (titleAlt) or the code name, in any language: case, accents and ' +
      'Arabic letter forms ignored; each word may be part of a longer one; every word must be found (at most 10 ' +
      'words, 200 characters). Combines with the other filters and paging.',
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  @ApiResponse({ status: 400, description: 'An unknown parameter or value (details name it)' })
  async list(
    @Query() query: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RegistryPage> {
    return this.queries.list(query, registryViewerOf(principal));
  }

  @Get(':initiativeId')
  @Access(['registry:read', 'registry:read-restricted'])
  @ApiOperation({ summary: 'One initiative as the platform holds it, with provenance, version history and cluster' })
  @ApiOkResponse({ description: 'Snapshot and provenance' })
  @ApiResponse({ status: 404, description: 'Not in the registry (or not one the token may see)' })
  async get(
    @Param('initiativeId') initiativeId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RegistryRecord> {
    return this.queries.get(initiativeId, registryViewerOf(principal));
  }
}
