import { Access } from '@ctp/auth';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequestProblem } from '@ctp/observability';
import { DataSource } from 'typeorm';

export interface EventOutcomeView {
  source: string;
  id: string;
  type: string;
  subject: string;
  consumer: string;
  streamSeq: number;
  /** APPLIED, IGNORED (STALE_VERSION), REJECTED (+ reason); DUPLICATE_DELIVERY is not stored: it is "already here". */
  outcome: string | null;
  reason: string | null;
  detail: string | null;
  receivedAt: string;
  decidedAt: string | null;
}

@ApiTags('events')
@Controller('events')
export class EventOutcomesController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':source/:id')
  @Access(['registry:read', 'registry:read-restricted', 'ops:read'])
  @ApiOperation({
    summary: 'The recorded outcome of one event',
    description:
      'source is URL-encoded, e.g. /events/%2Fctp%2Fhubs%2Fafr/<event id>. A redelivery of it changes nothing.',
  })
  @ApiParam({ name: 'source', example: '%2Fctp%2Fhubs%2Feur' })
  @ApiOkResponse({ description: '{ source, id, type, subject, outcome, reason, detail, receivedAt, decidedAt }' })
  @ApiResponse({ status: 404, description: 'The platform has not received this event' })
  async get(@Param('source') source: string, @Param('id') id: string): Promise<EventOutcomeView> {
    const rows: {
      source: string;
      event_id: string;
      event_type: string;
      subject: string;
      consumer: string;
      stream_seq: string;
      outcome: string | null;
      reason: string | null;
      detail: string | null;
      received_at: Date;
      decided_at: Date | null;
    }[] = await this.dataSource.query(
      `SELECT source, event_id, event_type, subject, consumer, stream_seq, outcome, reason, detail, received_at, decided_at
         FROM inbox_events WHERE source = $1 AND event_id = $2 ORDER BY received_at LIMIT 1`,
      [source, id],
    );
    const r = rows[0];
    if (!r) throw new RequestProblem(404, `no event ${id} from ${source} has reached the platform`);
    return {
      source: r.source,
      id: r.event_id,
      type: r.event_type,
      subject: r.subject,
      consumer: r.consumer,
      streamSeq: Number(r.stream_seq),
      outcome: r.outcome,
      reason: r.reason,
      detail: r.detail,
      receivedAt: r.received_at.toISOString(),
      decidedAt: r.decided_at?.toISOString() ?? null,
    };
  }
}
