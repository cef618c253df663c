import { Inject, Injectable } from '@nestjs/common';
import { INITIATIVE_SCHEMA, InitiativeEventType, InitiativeSnapshot, Subjects } from '@ctp/contracts';
import { newEvent, OutboxWriter, OutgoingEvent } from '@ctp/messaging';
import { DataSource } from 'typeorm';
import { CtpLogger, LOGGER } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';
import { HUB_CONFIG, HubConfig } from '../../config/hub.config';
import { ChangeActor } from '../domain/hub-initiative';
import { NotOwnInitiative } from '../domain/initiative-errors';
import { InitiativeRepository } from '../persistence/initiative.repository';
import { PreparedStatements } from '../persistence/prepared-statements';
import { StreamRecovery } from '../../sync/stream-recovery';

/**
 * What every accepted change does besides storing the record: exactly one event through the outbox, in the same
 * transaction, on this hub's own subject; and one log line once it is committed.
 */
@Injectable()
export class InitiativeChanges {
  /** The report's one statement, prepared once per connection (see PreparedStatements). */
  private readonly statements: PreparedStatements;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly initiatives: InitiativeRepository,
    private readonly outbox: OutboxWriter,
    dataSource: DataSource,
    private readonly recovery: StreamRecovery,
  ) {
    this.statements = new PreparedStatements(dataSource);
  }

  get ownPrefix(): string {
    return `${this.config.orgRef}-`;
  }

  assertOwn(initiativeId: string): void {
    if (!initiativeId.startsWith(this.ownPrefix)) throw new NotOwnInitiative(initiativeId, this.ownPrefix);
  }

  /**
   * A new record and its `reported` event in one statement (one round trip, atomic on its own). False when the id
   * exists already (nothing written).
   */
  async reportAlone(snapshot: InitiativeSnapshot, actor: ChangeActor): Promise<boolean> {
    // No change before the start-up check against the stream is done: it could reuse a published version (503).
    this.recovery.assertWritable();
    const event = this.eventFor(InitiativeEventType.Reported, snapshot);
    const written = await this.outbox.appendWith(this.statements, this.initiatives.insertStatement(snapshot, actor), [
      event,
    ]);
    if (written) this.logged(InitiativeEventType.Reported, snapshot, event.envelope.id, actor);
    return written;
  }

  async record(
    tx: Transaction,
    type: InitiativeEventType,
    snapshot: InitiativeSnapshot,
    actor: ChangeActor,
  ): Promise<void> {
    this.recovery.assertWritable();
    if (type === InitiativeEventType.Reported) {
      // insert() was done by the caller, which needs its answer (already exists?) before going on.
    } else {
      await this.initiatives.update(tx, snapshot, type === InitiativeEventType.Withdrawn, actor);
    }
    const event = this.eventFor(type, snapshot);
    await this.outbox.append(tx, [event]);
    tx.afterCommit(() => this.logged(type, snapshot, event.envelope.id, actor));
  }

  private eventFor(type: InitiativeEventType, snapshot: InitiativeSnapshot): OutgoingEvent {
    return newEvent({
      source: this.config.source,
      type,
      subject: Subjects.hubInitiative(this.config.region, type),
      about: snapshot.initiativeId,
      dataschema: INITIATIVE_SCHEMA,
      time: snapshot.lastUpdatedAt,
      data: snapshot,
    });
  }

  private logged(type: InitiativeEventType, snapshot: InitiativeSnapshot, eventId: string, actor: ChangeActor): void {
    this.log.info({
      sub: actor.sub,
      org: actor.org,
      msg: `initiative ${type.split('.')[2]}`,
      initiativeId: snapshot.initiativeId,
      version: snapshot.version,
      status: snapshot.status,
      eventId,
    });
  }
}
