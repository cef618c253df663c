import { Access, CurrentPrincipal, Principal } from '@ctp/auth';
import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { QueryParams } from '@ctp/observability';
import { Rollup, RollupQueries } from '../application/rollup-queries';
import {
  DEFAULT_GROUP_BY,
  parseGroupBy,
  ROLLUP_DIMENSIONS,
  rollupCsv,
  RollupDimension,
} from '../domain/rollup-dimensions';
import { registryViewerOf } from '../../http/viewer';

/**
 * Rollups as their reader may see the registry: `registry:read-restricted` at an INTERPOL organisation counts every
 * record; `registry:read` counts the PARTNER_SHAREABLE records only (each duplicate cluster once among its shareable
 * members), in the JSON and in the CSV alike.
 */
@ApiTags('rollups')
@Controller('rollups')
export class RollupsController {
  constructor(private readonly rollups: RollupQueries) {}

  @Get()
  @Access(['registry:read', 'registry:read-restricted'])
  @ApiOperation({
    summary: 'Counts of live initiatives: reported (every record) and deduplicated (each duplicate cluster once)',
    description:
      'Accept: text/csv gives the same rows as CSV, with an HXL hashtag row under the header. ' +
      'With registry:read (not registry:read-restricted at IP-*), only PARTNER_SHAREABLE records are counted.',
  })
  @ApiQuery({
    name: 'groupBy',
    required: false,
    description: `Comma-separated, any of ${Object.keys(ROLLUP_DIMENSIONS).join(', ')}; default region,primaryActionStream,status`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({ status: 200, description: '{ groupBy, rows: [{ <dimensions>, reported, deduplicated }], totals }' })
  @ApiResponse({ status: 400, description: 'An unknown dimension or query parameter, or groupBy given twice' })
  async get(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Rollup | string> {
    const q = new QueryParams(query, ['groupBy']);
    const groupByParam = q.single('groupBy');
    let groupBy: RollupDimension[] = DEFAULT_GROUP_BY;
    try {
      groupBy = parseGroupBy(groupByParam);
    } catch (err) {
      q.problem('groupBy', 'isIn', (err as Error).message);
    }
    q.done();
    const rollup = await this.rollups.rollup(groupBy, registryViewerOf(principal));
    if (accept?.includes('text/csv')) {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      return rollupCsv(groupBy, rollup.rows);
    }
    return rollup;
  }
}
