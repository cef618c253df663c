import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@ctp/auth';
import { EventSources, INITIATIVE_SCHEMA, InitiativeEventType, InitiativeSnapshot, Subjects } from '@ctp/contracts';
import { newEvent, OutboxWriter } from '@ctp/messaging';
import { CtpLogger, LOGGER } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';
import { Partner } from '../domain/partner';
import { ChangeChannel, PartnerChanges } from './partner-changes';

/**
 * What every accepted change of a partner's initiative does besides storing it: exactly one event through the outbox,
 * in the same transaction, from the partner's own source on the partner's own subject; the change announced through
 * PartnerChanges with who made it, in the same transaction (outbound audits it); one log line once committed.
 */
@Injectable()
export class PartnerInitiativeChanges {
  constructor(
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly outbox: OutboxWriter,
    private readonly changes: PartnerChanges,
  ) {}

  async publish(
    tx: Transaction,
    partner: Partner,
    type: InitiativeEventType,
    snapshot: InitiativeSnapshot,
    actor: Actor,
    via: ChangeChannel,
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
    await this.changes.initiativeChanged(tx, {
      partnerRef: partner.ref,
      by: { sub: actor.sub, org: actor.org },
      type,
      initiativeId: snapshot.initiativeId,
      version: snapshot.version,
      via,
      eventId: event.envelope.id,
    });
    tx.afterCommit(() =>
      this.log.info({
        msg: `partner initiative ${type.split('.')[2]}`,
        partner: partner.ref,
        initiativeId: snapshot.initiativeId,
        version: snapshot.version,
        status: snapshot.status,
        eventId: event.envelope.id,
        via,
        sub: actor.sub,
        org: actor.org,
      }),
    );
  }
}
