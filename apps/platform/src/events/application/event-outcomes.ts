import { Injectable } from '@nestjs/common';
import { DeadLetterEntry, DeadLetterLookup, Inbox, InboxRecord } from '@ctp/messaging';
import { DataSource } from 'typeorm';
import { EventNotReceived } from '../../platform-errors';
import { Viewer } from '../../registry/domain/visibility';
import { subjectPrefixOfSource } from '../domain/event-fate';
import { EventVisibilityReadModel } from '../persistence/event-visibility.read-model';

/**
 * What became of one event at the platform: the inbox's record of it (APPLIED, IGNORED or REJECTED, the first
 * received if several consumers got it) and every time one of the platform's consumers dead-lettered it, oldest first.
 * At least one of the two: an event with neither has not reached the platform.
 */
export interface EventFate {
  outcome: InboxRecord | undefined;
  deadLetters: DeadLetterEntry[];
}

/**
 * What became of one event the platform received — the inbox's row (the first received if several consumers got it)
 * and the times its consumers dead-lettered it — for whoever may know of the record it is about: a reader of
 * restricted records, every event, dead-lettered ones included; anyone else, only an event that was applied to a
 * record that is PARTNER_SHAREABLE now — any other (a dead-lettered event never applied among them) answers exactly
 * like an unknown event.
 */
@Injectable()
export class EventOutcomes {
  constructor(
    private readonly dataSource: DataSource,
    private readonly visibility: EventVisibilityReadModel,
  ) {}

  async fateOf(source: string, eventId: string, viewer: Viewer): Promise<EventFate> {
    if (!viewer.restricted && !(await this.visibility.appliedToShareableRecord(source, eventId))) {
      throw new EventNotReceived(source, eventId);
    }
    const manager = this.dataSource.manager;
    const [outcomes, deadLetters] = await Promise.all([
      Inbox.outcomesOf(manager, source, eventId),
      // A message that named no source (not JSON, or an envelope without one) is this source's if it came on a
      // subject only this source may publish on.
      DeadLetterLookup.lettersOf(manager, source, eventId, subjectPrefixOfSource(source)),
    ]);
    if (outcomes.length === 0 && deadLetters.length === 0) throw new EventNotReceived(source, eventId);
    return { outcome: outcomes[0], deadLetters };
  }
}
