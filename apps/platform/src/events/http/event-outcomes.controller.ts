import { Access, CurrentPrincipal, Principal } from '@ctp/auth';
import { Controller, Get, Param, UseFilters } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { eventViewerOf } from '../../http/viewer';
import { PlatformErrorFilter } from '../../http/platform-error.filter';
import { EventOutcomes } from '../application/event-outcomes';
import { EventOutcomeView, toEventOutcomeView } from './event-outcome-view';

/**
 * The fate of one event — applied, ignored, rejected, or dead-lettered by one of the platform's consumers (with the
 * reason, the detail, when, where and the `npm run dlq -- redrive` command) — for whoever may know of the record it is
 * about:
 *  - `registry:read-restricted` at an INTERPOL organisation, and operators (`ops:read`) of an INTERPOL organisation,
 *    who need every outcome to run the platform (as they read the DLQ and the sync status): every event, dead-lettered
 *    ones included;
 *  - anyone else (`registry:read`, or `ops:read` outside INTERPOL): only an event that was applied to a record that is
 *    PARTNER_SHAREABLE now. The outcome of an event about a restricted record — and of an event that was not applied
 *    (ignored, rejected or dead-lettered), whose record the platform cannot vouch for — answers 404 exactly like an
 *    unknown event.
 */
@ApiTags('events')
@UseFilters(PlatformErrorFilter)
@Controller('events')
export class EventOutcomesController {
  constructor(private readonly outcomes: EventOutcomes) {}

  @Get(':source/:id')
  @Access(['registry:read', 'registry:read-restricted', 'ops:read'])
  @ApiOperation({
    summary: 'What became of one event: its recorded outcome, or that it was dead-lettered',
    description:
      'source is URL-encoded, e.g. /events/%2Fctp%2Fhubs%2Fafr/<event id>. A redelivery of it changes nothing. ' +
      'A message the platform dead-lettered is found by what it carried: its envelope source and id, its CloudEvents ' +
      'headers (ce-source, ce-id), or its Nats-Msg-Id (with the source its subject belongs to when it named none); ' +
      'it answers outcome DEAD_LETTERED with the reason, the detail, when, and the redrive command.',
  })
  @ApiParam({ name: 'source', example: '%2Fctp%2Fhubs%2Feur' })
  @ApiOkResponse({
    description:
      '{ source, id, type, subject, consumer, streamSeq, outcome, reason, detail, receivedAt, decidedAt, redrive, ' +
      'deadLetters: [{ consumer, reason, detail, at, subject, stream, streamSeq, deliveryCount, deadLetterStream, ' +
      'deadLetterSeq, redrivenFrom, redrive, inspect }] }',
  })
  @ApiResponse({ status: 404, description: 'The platform has not received this event (or not one the token may see)' })
  async get(
    @Param('source') source: string,
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EventOutcomeView> {
    return toEventOutcomeView(source, id, await this.outcomes.fateOf(source, id, eventViewerOf(principal)));
  }
}
