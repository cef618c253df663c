import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventBatchContext, EventOutcome, ReceivedEvent } from '@ctp/messaging';
import { runWithCorrelation } from '@ctp/observability';
import { UpsertInitiative } from '../application/upsert-initiative';
import { HUB_CONFIG, HubConfig } from '../../config/hub.config';
import { regionalSystemActor } from '../domain/hub-initiative';
import { intakeFailureOf, rejectionReasonOf } from './intake-errors';
import { INTAKE_UPSERT_TYPE } from './intake-subjects';
import { StreamRecovery } from '../../sync/stream-recovery';

/**
 * Upserts that regional systems `emit` over NATS, applied from the CTP_INTAKE stream (so they wait there while the hub
 * is down). An upsert runs in its own transaction; it is idempotent by content, so a redelivery after a crash
 * changes nothing. A rejected upsert is recorded and logged with its reason, and the ones behind it go on.
 */
@Controller()
export class IntakeHandler {
  constructor(
    private readonly upsertInitiative: UpsertInitiative,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly recovery: StreamRecovery,
  ) {}

  @EventPattern(INTAKE_UPSERT_TYPE)
  async onUpsert(@Payload() event: ReceivedEvent, @Ctx() _ctx: EventBatchContext): Promise<EventOutcome> {
    try {
      // Held in their order until the hub's start-up check is done (a 503 would send them back out of order).
      await this.recovery.untilWritable();
      await runWithCorrelation(event.envelope.correlationid, () =>
        this.upsertInitiative.execute({
          body: event.envelope.data,
          actor: regionalSystemActor(this.config.region, this.config.orgRef),
        }),
      );
      return { outcome: 'APPLIED' };
    } catch (err) {
      // What can never succeed as sent (a domain error, a value the database refuses for its type) is rejected now,
      // recorded and logged; what may succeed later (the database unreachable, a deadlock) is redelivered.
      const failure = intakeFailureOf(err);
      if (failure.kind === 'refused') return { outcome: 'REJECTED', reason: rejectionReasonOf(err, failure) };
      throw err;
    }
  }
}
