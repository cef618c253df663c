import { Access } from '@ctp/auth';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SourceStatus, SyncStatus } from '../application/sync-status';

@ApiTags('sync')
@Controller('sync')
export class SyncController {
  constructor(private readonly status: SyncStatus) {}

  @Get()
  @Access('ops:read')
  @ApiOperation({
    summary:
      'Per source: last event, last version seen, consumer lag, last reconciliation result, records refused for their content',
  })
  @ApiOkResponse({ description: '{ consumers: { <durable>: { pending, ackPending } }, sources: [...] }' })
  async sync(): Promise<unknown> {
    const { consumers, sources } = await this.status.report();
    return {
      consumers,
      sources: sources.map(toSourceStatusView),
    };
  }
}

function toSourceStatusView({ source, records: s, refused, reconciliation: r }: SourceStatus): unknown {
  return {
    source,
    records: s?.records ?? 0,
    lastEventId: s?.lastEventId ?? null,
    lastEventAt: s?.lastEventAt?.toISOString() ?? null,
    lastReportedAt: s?.lastReportedAt?.toISOString() ?? null,
    highestVersion: s?.highestVersion ?? null,
    // Versions this source holds that the platform refused for their content: reconciliation counts them as
    // known (no re-publication); the newest REFUSED_LISTED are listed.
    refused: {
      count: refused.count,
      records: refused.records.map((f) => ({
        initiativeId: f.initiativeId,
        version: f.version,
        reason: f.reason,
        detail: f.detail,
        refusedAt: f.refusedAt.toISOString(),
      })),
    },
    reconciliation: r
      ? {
          matched: r.matched,
          checkedAt: r.checkedAt.toISOString(),
          checks: r.checks,
          sourceDigest: r.sourceDigest,
          platformDigest: r.platformDigest,
          lastMismatchAt: r.lastMismatchAt?.toISOString() ?? null,
          lastRepair: r.lastRepair,
          repairedTotal: r.repairedTotal,
        }
      : null,
  };
}
