import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { digestSubjectOf, SourceDigest, SYNC_DIGEST_TYPE } from '@ctp/contracts';
import { EventBatchContext, EventOutcome, ReceivedEvent } from '@ctp/messaging';
import { CheckSourceDigest } from '../application/check-source-digest';

/**
 * A source's digest of its records. It arrives after the events it summarises (same outbox, same stream order), so
 * comparing it with our view of that source now tells whether we hold the same records at the same versions.
 */
@Controller()
export class DigestHandler {
  constructor(private readonly checkSourceDigest: CheckSourceDigest) {}

  @EventPattern(SYNC_DIGEST_TYPE)
  async onDigest(@Payload() event: ReceivedEvent<SourceDigest>, @Ctx() ctx: EventBatchContext): Promise<EventOutcome> {
    const theirs = event.envelope.data;
    // A hub's or a partner's digest, about itself, on its own subject: nobody vouches for another source's records.
    const expected = digestSubjectOf(event.envelope.source);
    if (!expected || event.subject !== expected || theirs?.source !== event.envelope.source) {
      return {
        outcome: 'REJECTED',
        reason: 'OWNERSHIP_VIOLATION',
        detail: `digest of ${theirs?.source} from ${event.envelope.source} on ${event.subject}`,
      };
    }
    await this.checkSourceDigest.execute(ctx.tx, theirs);
    return { outcome: 'APPLIED' };
  }
}
