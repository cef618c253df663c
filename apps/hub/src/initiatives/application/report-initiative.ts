import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { UnitOfWork } from '@ctp/persistence';
import { HUB_CONFIG, HubConfig } from '../../config/hub.config';
import { canonical, firstVersion, parseContent, parseLocalId, ChangeActor } from '../domain/hub-initiative';
import { IdempotencyKeyReused, InitiativeAlreadyExists } from '../domain/initiative-errors';
import { InitiativeRepository } from '../persistence/initiative.repository';
import { InitiativeChanges } from './initiative-changes';

export interface ReportInitiativeCommand {
  /** Who asks: recorded with the change. */
  actor: ChangeActor;
  /** The request body: the snapshot's content fields plus an optional `localId`. */
  body: unknown;
  /** A retried request with the same key gets the first result back instead of creating a second initiative. */
  idempotencyKey?: string;
  now?: Date;
}

export interface ReportInitiativeResult {
  snapshot: InitiativeSnapshot;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

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
    private readonly changes: InitiativeChanges,
  ) {}

  async execute(command: ReportInitiativeCommand): Promise<ReportInitiativeResult> {
    const body = command.body as Record<string, unknown>;
    const localId = parseLocalId(body?.localId) ?? randomUUID();
    const content = parseContent(command.body, ['localId']);
    const snapshot = firstVersion(this.config, localId, content, command.now ?? new Date());
    if (!command.idempotencyKey) {
      // The common case: the record and its event in one statement, one round trip.
      if (!(await this.changes.reportAlone(snapshot, command.actor)))
        throw new InitiativeAlreadyExists(snapshot.initiativeId);
      return { snapshot, replayed: false };
    }
    const requestHash = createHash('sha256').update(canonical(command.body)).digest('hex');
    return this.unitOfWork.run(async (tx) => {
      if (command.idempotencyKey) {
        const earlier = await this.initiatives.claimIdempotencyKey(tx, command.idempotencyKey);
        if (earlier) {
          if (earlier.requestHash !== requestHash) throw new IdempotencyKeyReused(command.idempotencyKey);
          return { snapshot: earlier.response as InitiativeSnapshot, replayed: true };
        }
      }
      if (!(await this.initiatives.insert(tx, snapshot, command.actor)))
        throw new InitiativeAlreadyExists(snapshot.initiativeId);
      await this.changes.record(tx, InitiativeEventType.Reported, snapshot, command.actor);
      if (command.idempotencyKey) {
        await this.initiatives.saveIdempotentResponse(tx, command.idempotencyKey, {
          requestHash,
          statusCode: 201,
          response: snapshot,
        });
      }
      return { snapshot, replayed: false };
    });
  }
}
