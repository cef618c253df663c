import { Access } from '@ctp/auth';
import { Controller, Get, Query, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { OutboundQueries } from '../application/outbound-queries';
import { OutboundErrorFilter } from './outbound-error.filter';
import { auditPage } from './audit-page';
import { AuditView } from './views';

@ApiTags('partner feeds')
@UseFilters(OutboundErrorFilter)
@Controller('audit')
export class AuditController {
  constructor(private readonly queries: OutboundQueries) {}

  @Get()
  @Access('partners:admin', 'interpol')
  @ApiOperation({
    summary: 'What was sent to which partner, when, which version, by which channel',
    description:
      'Every feed page served (FEED, entries listed), every webhook attempt (WEBHOOK: DELIVERED, FAILED, DEAD, WITHHELD) and re-send, and every change made through the API (API: partners registered and changed, webhook URL changes and secret rotations, initiatives reported and withdrawn, CSV imports), oldest first, each with who (actor: sub and org of the token). Ids, kinds, versions, field names and URLs only: never content, never a secret, never what a receiver answered.',
  })
  @ApiQuery({ name: 'partner', required: false, example: 'PT-UNODC' })
  @ApiQuery({ name: 'initiativeId', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  async list(@Query() query: Record<string, unknown>): Promise<{ items: AuditView[]; nextCursor?: string }> {
    return auditPage(this.queries, query);
  }
}
