import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { INITIATIVE_SCHEMA, InitiativeEventType, InitiativeSnapshot, Subjects, initiativeId } from '@ctp/contracts';
import { OutboxWriter, newEvent } from '@ctp/messaging';
import { UnitOfWork } from '@ctp/persistence';
import { HUB_CONFIG, HubConfig } from '../../config/hub.config';
import { InitiativeAlreadyExists } from '../domain/initiative-errors';
import { InitiativeRepository } from '../persistence/initiative.repository';
import { ReportInitiativeRequest } from '../http/report-initiative.request';

export type ReportInitiativeCommand = ReportInitiativeRequest;

/**
 * Stores a new initiative at version 1 and its `reported` event in one transaction: either both exist or neither
 * does, so an accepted change is never lost between the database and the broker.
 */
@Injectable()
export class ReportInitiative {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly unitOfWork: UnitOfWork,
    private readonly initiatives: InitiativeRepository,
    private readonly outbox: OutboxWriter,
  ) {}

  async execute(command: ReportInitiativeCommand, now = new Date()): Promise<InitiativeSnapshot> {
    const id = initiativeId(this.config.orgRef, command.localId ?? randomUUID().slice(0, 13));
    const snapshot: InitiativeSnapshot = {
      initiativeId: id,
      reportingOrg: { ref: this.config.orgRef, type: 'HUB', secondaryReporter: false },
      version: 1,
      lastUpdatedAt: now.toISOString(),
      kind: command.kind,
      title: { lang: command.title.lang, text: command.title.text },
      actionStreams: { primary: command.actionStreams.primary, secondary: command.actionStreams.secondary ?? [] },
      status: command.status,
      ...(command.dates ? { dates: { ...command.dates } } : {}),
      recipientCountries: command.recipientCountries,
      visibility: command.visibility,
    };
    await this.unitOfWork.run(async (tx) => {
      if (!(await this.initiatives.insert(tx, snapshot))) throw new InitiativeAlreadyExists(id);
      await this.outbox.append(tx, [
        newEvent({
          source: this.config.source,
          type: InitiativeEventType.Reported,
          subject: Subjects.hubInitiative(this.config.region, InitiativeEventType.Reported),
          about: id,
          dataschema: INITIATIVE_SCHEMA,
          time: snapshot.lastUpdatedAt,
          data: snapshot,
        }),
      ]);
    });
    return snapshot;
  }
}
