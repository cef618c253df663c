import { Access } from '@ctp/auth';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { QueryParams } from '@ctp/observability';
import { HubRollup, InitiativeQueries } from '../application/initiative-queries';

@ApiTags('rollup')
@Controller('rollup')
export class RollupController {
  constructor(private readonly queries: InitiativeQueries) {}

  @Get()
  @Access('initiatives:read', 'own-or-gs')
  @ApiOperation({ summary: "This hub's own counts: live initiatives by primary action stream and status" })
  @ApiOkResponse({ description: '{ reportingOrg, rows: [{ primaryActionStream, status, count }], total }' })
  @ApiResponse({ status: 400, description: 'A query parameter (it takes none: the grouping is fixed)' })
  async rollup(@Query() query: Record<string, unknown>): Promise<HubRollup> {
    new QueryParams(query, []).done();
    return this.queries.rollup();
  }
}
