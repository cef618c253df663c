import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { batchOf, EventBatchContext, EventOutcome, ReceivedEvent } from '@ctp/messaging';
import { ApplyOverlapEvents } from '../application/apply-overlap-events';
import { OVERLAP_EVENT_TYPES } from '../domain/notices';

/** The platform's flagged and cleared pairs (`liaison-overlaps`, `ctp.platform.overlap.>`), a batch at a time. */
@Controller()
export class OverlapEventsHandler {
  constructor(private readonly applyOverlapEvents: ApplyOverlapEvents) {}

  @EventPattern([...OVERLAP_EVENT_TYPES], batchOf('liaison-overlap-events'))
  async onOverlapEvents(@Payload() events: ReceivedEvent[], @Ctx() ctx: EventBatchContext): Promise<EventOutcome[]> {
    return this.applyOverlapEvents.execute(ctx.tx, events);
  }
}
