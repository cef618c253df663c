import { Inject, Injectable } from '@nestjs/common';
import { EventSources, INITIATIVE_SCHEMA, InitiativeEventType, InitiativeSnapshot, Subjects } from '@ctp/contracts';
import { newEvent, OutboxWriter } from '@ctp/messaging';
import { CtpLogger, LOGGER } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';
import { Partner } from '../domain/partner';

/**
 * What every accepted change of a partner's initiative does besides storing it: exactly one event through the outbox,
 * in the same transaction, from the partner's own source on the partner's own subject; one log line once committed.
 */
@Injectable()
export class PartnerInitiativeChanges {
  constructor(
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly outbox: OutboxWriter,
  ) {}

  async publish(
    tx: Transaction,
    partner: Partner,
    type: InitiativeEventType,
    snapshot: InitiativeSnapshot,
  ): Promise<void> {
    const event = newEvent({
      source: EventSources.partner(partner.code),
      type,
      subject: Subjects.partnerInitiative(partner.code, type),
      about: snapshot.initiativeId,
      dataschema: INITIATIVE_SCHEMA,
      time: snapshot.lastUpdatedAt,
      data: snapshot,
    });
    await this.outbox.append(tx, [event]);
    tx.afterCommit(() =>
      this.log.info({
        msg: `partner initiative ${type.split('.')[2]}`,
        partner: partner.ref,
        initiativeId: snapshot.initiativeId,
        version: snapshot.version,
        status: snapshot.status,
        eventId: event.envelope.id,
      }),
    );
  }
}
