import { Access, CurrentPrincipal, Principal } from '@ctp/auth';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequestProblem } from '@ctp/observability';
import { DataSource } from 'typeorm';
import { eventViewerOf } from '../../http/viewer';

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

/**
 * The outcome of one event, for whoever may know of the record it is about:
 *  - `registry:read-restricted` at an INTERPOL organisation, and operators (`ops:read`) of an INTERPOL organisation,
 *    who need every outcome to run the platform (as they read the DLQ and the sync status): every event;
 *  - anyone else (`registry:read`, or `ops:read` outside INTERPOL): only an event that was applied to a record that is
 *    PARTNER_SHAREABLE now. The outcome of an event about a restricted record — and of an event that was not applied
 *    (ignored or rejected), whose record the platform cannot vouch for — answers 404 exactly like an unknown event.
 */
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
  @ApiResponse({ status: 404, description: 'The platform has not received this event (or not one the token may see)' })
  async get(
    @Param('source') source: string,
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EventOutcomeView> {
    const viewer = eventViewerOf(principal);
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
         FROM inbox_events i WHERE source = $1 AND event_id = $2
         ${
           viewer.restricted
             ? ''
             : `AND EXISTS (SELECT 1 FROM registry_versions v JOIN registry_initiatives r USING (initiative_id)
                             WHERE v.event_id = i.event_id AND v.source = i.source AND NOT r.restricted)`
         }
         ORDER BY received_at LIMIT 1`,
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
