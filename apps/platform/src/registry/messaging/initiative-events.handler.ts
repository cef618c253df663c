import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { INITIATIVE_EVENT_TYPES } from '@ctp/contracts';
import { batchOf, EventBatchContext, EventOutcome, ReceivedEvent } from '@ctp/messaging';
import { ApplyInitiativeEvents } from '../application/apply-initiative-events';
import { recordRefusals } from '../../sync/application/refused-records';

/** Hub and partner initiative events, a fetched batch at a time, in the batch's transaction. */
@Controller()
export class InitiativeEventsHandler {
  constructor(private readonly applyInitiativeEvents: ApplyInitiativeEvents) {}

  @EventPattern([...INITIATIVE_EVENT_TYPES], batchOf('initiative-events'))
  async onInitiativeEvents(@Payload() events: ReceivedEvent[], @Ctx() ctx: EventBatchContext): Promise<EventOutcome[]> {
    const outcomes = await this.applyInitiativeEvents.execute(ctx.tx, events);
    // Versions refused for their content are remembered: reconciliation does not ask for them again (#13).
    await recordRefusals(ctx.tx, events, outcomes);
    return outcomes;
  }
}
