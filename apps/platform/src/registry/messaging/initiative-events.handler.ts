import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { INITIATIVE_EVENT_TYPES } from '@ctp/contracts';
import { batchOf, EventBatchContext, EventOutcome, ReceivedEvent } from '@ctp/messaging';
import { ApplyInitiativeEvents } from '../application/apply-initiative-events';

/** Hub and partner initiative events, a fetched batch at a time, in the batch's transaction. */
@Controller()
export class InitiativeEventsHandler {
  constructor(private readonly applyInitiativeEvents: ApplyInitiativeEvents) {}

  @EventPattern([...INITIATIVE_EVENT_TYPES], batchOf('initiative-events'))
  async onInitiativeEvents(@Payload() events: ReceivedEvent[], @Ctx() ctx: EventBatchContext): Promise<EventOutcome[]> {
    return this.applyInitiativeEvents.execute(ctx.tx, events);
  }
}
