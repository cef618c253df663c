import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { INITIATIVE_EVENT_TYPES } from '@ctp/contracts';
import { batchOf, EventBatchContext, EventOutcome, ReceivedEvent } from '@ctp/messaging';
import { ApplyHubEvents } from '../application/apply-hub-events';

/** Hub initiative events (`liaison-hubs`, `ctp.hub.>`), a fetched batch at a time, in the batch's transaction. */
@Controller()
export class HubEventsHandler {
  constructor(private readonly applyHubEvents: ApplyHubEvents) {}

  @EventPattern([...INITIATIVE_EVENT_TYPES], batchOf('liaison-hub-events'))
  async onHubEvents(@Payload() events: ReceivedEvent[], @Ctx() ctx: EventBatchContext): Promise<EventOutcome[]> {
    return this.applyHubEvents.execute(ctx.tx, events);
  }
}
