import { Injectable } from '@nestjs/common';
import { Inbox, InboxRecord } from '@ctp/messaging';
import { DataSource } from 'typeorm';
import { EventNotReceived } from '../../platform-errors';
import { Viewer } from '../../registry/domain/visibility';
import { EventVisibilityReadModel } from '../persistence/event-visibility.read-model';

/**
 * The outcome of one event the platform received (the inbox's row, the first received if several consumers got it),
 * for whoever may know of the record it is about: a reader of restricted records, every event; anyone else, only an
 * event that was applied to a record that is PARTNER_SHAREABLE now — any other answers exactly like an unknown event.
 */
@Injectable()
export class EventOutcomes {
  constructor(
    private readonly dataSource: DataSource,
    private readonly visibility: EventVisibilityReadModel,
  ) {}

  async outcomeOf(source: string, eventId: string, viewer: Viewer): Promise<InboxRecord> {
    if (!viewer.restricted && !(await this.visibility.appliedToShareableRecord(source, eventId))) {
      throw new EventNotReceived(source, eventId);
    }
    const [first] = await Inbox.outcomesOf(this.dataSource.manager, source, eventId);
    if (!first) throw new EventNotReceived(source, eventId);
    return first;
  }
}
