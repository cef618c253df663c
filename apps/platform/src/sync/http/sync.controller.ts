import { Access } from '@ctp/auth';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JetStreamServer } from '@ctp/messaging';
import { DataSource } from 'typeorm';
import { REFUSED_COUNTED } from '../application/refused-records';

/** The refused records GET /sync lists per source, at most (the count is always whole). */
const REFUSED_LISTED = 20;

@ApiTags('sync')
@Controller('sync')
export class SyncController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly server: JetStreamServer,
  ) {}

  @Get()
  @Access('ops:read')
  @ApiOperation({
    summary:
      'Per source: last event, last version seen, consumer lag, last reconciliation result, records refused for their content',
  })
  @ApiOkResponse({ description: '{ consumers: { <durable>: { pending, ackPending } }, sources: [...] }' })
  async sync(): Promise<unknown> {
    const [sources, reconciliation, lag] = await Promise.all([
      this.dataSource.query(
        `SELECT r.source, count(*)::int AS records, max(r.last_reported_at) AS last_reported_at,
                (SELECT i.event_id FROM inbox_events i WHERE i.source = r.source ORDER BY i.received_at DESC LIMIT 1) AS last_event_id,
                (SELECT max(i.received_at) FROM inbox_events i WHERE i.source = r.source) AS last_event_at,
                max(r.version)::int AS highest_version
           FROM registry_initiatives r GROUP BY r.source ORDER BY r.source`,
      ) as Promise<
        {
          source: string;
          records: number;
          last_reported_at: Date;
          last_event_id: string;
          last_event_at: Date;
          highest_version: number;
        }[]
      >,
      this.dataSource.query(`SELECT * FROM sync_sources`) as Promise<
        {
          source: string;
          source_digest: unknown;
          platform_digest: unknown;
          matched: boolean;
          checked_at: Date;
          checks: number;
          last_mismatch_at: Date | null;
          last_repair: unknown;
          repaired_total: number;
        }[]
      >,
      this.server.lag().catch(() => ({})),
    ]);
    const bySource = new Map(reconciliation.map((r) => [r.source, r]));
    const all = [...new Set([...sources.map((s) => s.source), ...bySource.keys()])].sort();
    const refusedOf = new Map(
      await Promise.all(
        all.map(async (source) => {
          const rows: {
            initiative_id: string;
            version: number;
            reason: string;
            detail: string | null;
            refused_at: Date;
            total: number;
          }[] = await this.dataSource.query(
            `SELECT f.*, count(*) OVER ()::int AS total FROM (${REFUSED_COUNTED}) f
                ORDER BY f.refused_at DESC, f.initiative_id LIMIT ${REFUSED_LISTED}`,
            [source],
          );
          return [
            source,
            {
              count: rows[0]?.total ?? 0,
              records: rows.map((r) => ({
                initiativeId: r.initiative_id,
                version: r.version,
                reason: r.reason,
                detail: r.detail,
                refusedAt: r.refused_at.toISOString(),
              })),
            },
          ] as const;
        }),
      ),
    );
    return {
      consumers: lag,
      sources: all.map((source) => {
        const s = sources.find((x) => x.source === source);
        const r = bySource.get(source);
        return {
          source,
          records: s?.records ?? 0,
          lastEventId: s?.last_event_id ?? null,
          lastEventAt: s?.last_event_at?.toISOString() ?? null,
          lastReportedAt: s?.last_reported_at?.toISOString() ?? null,
          highestVersion: s?.highest_version ?? null,
          // Versions this source holds that the platform refused for their content: reconciliation counts them as
          // known (no re-publication); the newest REFUSED_LISTED are listed.
          refused: refusedOf.get(source),
          reconciliation: r
            ? {
                matched: r.matched,
                checkedAt: r.checked_at.toISOString(),
                checks: r.checks,
                sourceDigest: r.source_digest,
                platformDigest: r.platform_digest,
                lastMismatchAt: r.last_mismatch_at?.toISOString() ?? null,
                lastRepair: r.last_repair,
                repairedTotal: r.repaired_total,
              }
            : null,
        };
      }),
    };
  }
}
