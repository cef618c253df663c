import { Injectable } from '@nestjs/common';
import { InitiativeEventType, InitiativeSnapshot, withdrawalReasonProblems } from '@ctp/contracts';
import { UnitOfWork } from '@ctp/persistence';
import { withdrawnVersion, ChangeActor } from '../domain/hub-initiative';
import {
  InitiativeNotFound,
  InitiativeWithdrawn,
  MalformedInitiative,
  VersionMismatch,
} from '../domain/initiative-errors';
import { InitiativeRepository } from '../persistence/initiative.repository';
import { InitiativeChanges } from './initiative-changes';

export interface WithdrawInitiativeCommand {
  /** Who asks: recorded with the change. */
  actor: ChangeActor;
  initiativeId: string;
  reason: unknown;
  expectedVersion?: number;
  now?: Date;
}

/**
 * Withdrawal means "reported in error": the record leaves every count and can never change again. An initiative that
 * really ended is CLOSED or CANCELLED instead.
 */
@Injectable()
export class WithdrawInitiative {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly initiatives: InitiativeRepository,
    private readonly changes: InitiativeChanges,
  ) {}

  async execute(command: WithdrawInitiativeCommand): Promise<InitiativeSnapshot> {
    this.changes.assertOwn(command.initiativeId);
    const problems = withdrawalReasonProblems(command.reason);
    if (problems.length) throw new MalformedInitiative(problems);
    const reason = (command.reason as string).trim();
    return this.unitOfWork.run(async (tx) => {
      const stored = await this.initiatives.lock(tx, command.initiativeId);
      if (!stored) throw new InitiativeNotFound(command.initiativeId);
      if (stored.withdrawn) throw new InitiativeWithdrawn(command.initiativeId);
      if (command.expectedVersion !== undefined && stored.snapshot.version !== command.expectedVersion) {
        throw new VersionMismatch(command.initiativeId, command.expectedVersion, stored.snapshot.version);
      }
      const next = withdrawnVersion(stored.snapshot, reason, command.now ?? new Date());
      await this.changes.record(tx, InitiativeEventType.Withdrawn, next, command.actor);
      return next;
    });
  }
}
