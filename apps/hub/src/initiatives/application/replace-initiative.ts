import { Injectable } from '@nestjs/common';
import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { UnitOfWork } from '@ctp/persistence';
import {
  assertAgreesWithRecord,
  nextVersion,
  parseContent,
  parseReplacement,
  ChangeActor,
  Replacement,
} from '../domain/hub-initiative';
import { InitiativeNotFound, InitiativeWithdrawn, VersionMismatch } from '../domain/initiative-errors';
import { InitiativeRepository } from '../persistence/initiative.repository';
import { InitiativeChanges } from './initiative-changes';

export interface ReplaceInitiativeCommand {
  /** Who asks: recorded with the change. */
  actor: ChangeActor;
  initiativeId: string;
  body: unknown;
  /**
   * True for `PUT`: the body is a representation as GET returns it, whose server-managed fields are ignored when they
   * agree with the record and If-Match, and refused (409/412) when they do not. False (NATS upsert): content only.
   */
  representation?: boolean;
  /** The version the caller read (If-Match): the change applies only if it is still the current one. */
  expectedVersion: number;
  now?: Date;
}

export interface ReplaceInitiativeResult {
  snapshot: InitiativeSnapshot;
  /** False when the body equals what is stored: no new version, no event. */
  changed: boolean;
}

/**
 * Full replacement of an initiative's content. Checked in this order: 403 (another prefix), 400 (shape), 404, 409
 * (withdrawn), 409/412 (server-managed fields of the body against the record and If-Match), 412 (If-Match not the
 * current version), then the transition and the rules of the next version (422). The record is locked for the check
 * and the write, so of two updates made on the same version exactly one wins; the other gets VersionMismatch (412).
 */
@Injectable()
export class ReplaceInitiative {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly initiatives: InitiativeRepository,
    private readonly changes: InitiativeChanges,
  ) {}

  async execute(command: ReplaceInitiativeCommand): Promise<ReplaceInitiativeResult> {
    this.changes.assertOwn(command.initiativeId);
    const { content, managed }: Replacement = command.representation
      ? parseReplacement(command.body)
      : { content: parseContent(command.body), managed: {} };
    return this.unitOfWork.run(async (tx) => {
      const stored = await this.initiatives.lock(tx, command.initiativeId);
      if (!stored) throw new InitiativeNotFound(command.initiativeId);
      if (stored.withdrawn) throw new InitiativeWithdrawn(command.initiativeId);
      assertAgreesWithRecord(managed, stored.snapshot, command.expectedVersion);
      if (stored.snapshot.version !== command.expectedVersion) {
        throw new VersionMismatch(command.initiativeId, command.expectedVersion, stored.snapshot.version);
      }
      const next = nextVersion(stored.snapshot, content, command.now ?? new Date());
      if (!next) return { snapshot: stored.snapshot, changed: false };
      await this.changes.record(tx, InitiativeEventType.Updated, next, command.actor);
      return { snapshot: next, changed: true };
    });
  }
}
