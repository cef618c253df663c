import { Inject, Injectable } from '@nestjs/common';
import { initiativeId as makeInitiativeId, InitiativeSnapshot } from '@ctp/contracts';
import { HUB_CONFIG, HubConfig } from '../../config/hub.config';
import { parseLocalId, ChangeActor } from '../domain/hub-initiative';
import { InitiativeAlreadyExists, MalformedInitiative, VersionMismatch } from '../domain/initiative-errors';
import { InitiativeRepository } from '../persistence/initiative.repository';
import { ReplaceInitiative } from './replace-initiative';
import { ReportInitiative } from './report-initiative';

export interface UpsertInitiativeCommand {
  /** Who asks: recorded with the change. */
  actor: ChangeActor;
  /** Content fields plus `localId` (required) and optionally `expectedVersion`. */
  body: unknown;
  now?: Date;
}

export interface UpsertInitiativeResult {
  snapshot: InitiativeSnapshot;
  created: boolean;
  changed: boolean;
}

/**
 * What a regional system sends over NATS: "this is initiative <localId> now". Creates it, or replaces its content
 * (optionally only if it is still at `expectedVersion`), through the same use cases as the REST API.
 */
@Injectable()
export class UpsertInitiative {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly initiatives: InitiativeRepository,
    private readonly report: ReportInitiative,
    private readonly replace: ReplaceInitiative,
  ) {}

  async execute(command: UpsertInitiativeCommand): Promise<UpsertInitiativeResult> {
    const body = (command.body ?? {}) as Record<string, unknown>;
    const localId = parseLocalId(body.localId);
    if (!localId) {
      throw new MalformedInitiative([
        { field: 'localId', rule: 'isDefined', message: 'localId is required to report over NATS' },
      ]);
    }
    const expected = body.expectedVersion;
    if (expected !== undefined && (!Number.isInteger(expected) || (expected as number) < 1)) {
      throw new MalformedInitiative([
        { field: 'expectedVersion', rule: 'isInt', message: 'expectedVersion must be an integer >= 1' },
      ]);
    }
    const { localId: _l, expectedVersion: _e, ...content } = body;
    const id = makeInitiativeId(this.config.orgRef, localId);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.initiatives.findById(id);
      if (!stored) {
        try {
          const { snapshot } = await this.report.execute({
            body: { ...content, localId },
            now: command.now,
            actor: command.actor,
          });
          return { snapshot, created: true, changed: true };
        } catch (err) {
          // Created concurrently between our read and our insert: go round once more as an update.
          if (err instanceof InitiativeAlreadyExists && attempt < 3) continue;
          throw err;
        }
      }
      try {
        const { snapshot, changed } = await this.replace.execute({
          initiativeId: id,
          body: content,
          expectedVersion: (expected as number | undefined) ?? stored.snapshot.version,
          now: command.now,
          actor: command.actor,
        });
        return { snapshot, created: false, changed };
      } catch (err) {
        // Without expectedVersion the caller means "whatever is current": another writer got in between our read and
        // our lock, so read again (a few times at most).
        if (err instanceof VersionMismatch && expected === undefined && attempt < 3) continue;
        throw err;
      }
    }
  }
}
