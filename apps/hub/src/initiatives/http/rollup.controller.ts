import { Access } from '@ctp/auth';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HubRollup, InitiativeQueries } from '../application/initiative-queries';

@ApiTags('rollup')
@Controller('rollup')
export class RollupController {
  constructor(private readonly queries: InitiativeQueries) {}

  @Get()
  @Access('initiatives:read', 'own-or-gs')
  @ApiOperation({ summary: "This hub's own counts: live initiatives by primary action stream and status" })
  @ApiOkResponse({ description: '{ reportingOrg, rows: [{ primaryActionStream, status, count }], total }' })
  async rollup(): Promise<HubRollup> {
    return this.queries.rollup();
  }
}
