import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@ctp/auth';
import { EventSources, INITIATIVE_SCHEMA, InitiativeEventType, InitiativeSnapshot, Subjects } from '@ctp/contracts';
import { newEvent, OutboxWriter } from '@ctp/messaging';
import { CtpLogger, LOGGER } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';
import { AuditRepository } from '../../outbound/persistence/audit.repository';
import { Partner } from '../domain/partner';

/** How a change came in: one JSON request, or a row of a CSV import. */
export type ChangeChannel = 'API' | 'CSV_IMPORT';

/**
 * What every accepted change of a partner's initiative does besides storing it: exactly one event through the outbox,
 * in the same transaction, from the partner's own source on the partner's own subject; one audit line with who made
 * the change, in the same transaction; one log line once committed.
 */
@Injectable()
export class PartnerInitiativeChanges {
  constructor(
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditRepository,
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
    const withdrawn = type === InitiativeEventType.Withdrawn;
    await this.audit.record(tx, [
      {
        partnerRef: partner.ref,
        channel: 'API',
        action: withdrawn ? 'INITIATIVE_WITHDRAWN' : 'INITIATIVE_REPORTED',
        outcome: withdrawn ? 'WITHDRAWN' : type === InitiativeEventType.Reported ? 'CREATED' : 'UPDATED',
        entries: [],
        initiativeIds: [snapshot.initiativeId],
        actor: { sub: actor.sub, org: actor.org },
        details: { initiativeId: snapshot.initiativeId, version: snapshot.version, via, eventId: event.envelope.id },
      },
    ]);
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
