import { Access, CurrentPrincipal, Principal } from '@ctp/auth';
import { Controller, Get, Param, UseFilters } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InboxRecord } from '@ctp/messaging';
import { eventViewerOf } from '../../http/viewer';
import { PlatformErrorFilter } from '../../http/platform-error.filter';
import { EventOutcomes } from '../application/event-outcomes';

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
@UseFilters(PlatformErrorFilter)
@Controller('events')
export class EventOutcomesController {
  constructor(private readonly outcomes: EventOutcomes) {}

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
    return toEventOutcomeView(await this.outcomes.outcomeOf(source, id, eventViewerOf(principal)));
  }
}

function toEventOutcomeView(r: InboxRecord): EventOutcomeView {
  return {
    source: r.source,
    id: r.eventId,
    type: r.type,
    subject: r.subject,
    consumer: r.consumer,
    streamSeq: r.streamSeq,
    outcome: r.outcome,
    reason: r.reason,
    detail: r.detail,
    receivedAt: r.receivedAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
  };
}
