import { Injectable } from '@nestjs/common';
import type { Actor } from '@ctp/auth';
import { initiativeId, InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { UnitOfWork } from '@ctp/persistence';
import { InitiativeNotFound, InitiativeWithdrawn } from '../domain/partner-errors';
import { parseWithdrawalReason, withdrawnVersion } from '../domain/partner-initiative';
import { PartnerInitiativeRepository } from '../persistence/partner-initiative.repository';
import { PartnerInitiativeChanges } from './partner-initiative-changes';
import { PartnerRegistry } from './partner-registry';

export interface WithdrawPartnerInitiativeCommand {
  partnerRef: string;
  localId: string;
  reason: unknown;
  /** Who withdraws it: recorded in the audit. */
  actor: Actor;
  now?: Date;
}

/**
 * Withdrawal means "reported in error": the record leaves every count and can never change again. An initiative that
 * really ended is CLOSED or CANCELLED instead.
 */
@Injectable()
export class WithdrawPartnerInitiative {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly registry: PartnerRegistry,
    private readonly initiatives: PartnerInitiativeRepository,
    private readonly changes: PartnerInitiativeChanges,
  ) {}

  async execute(command: WithdrawPartnerInitiativeCommand): Promise<InitiativeSnapshot> {
    const partner = await this.registry.get(command.partnerRef);
    const reason = parseWithdrawalReason(command.reason);
    const id = initiativeId(partner.ref, command.localId);
    return this.unitOfWork.run(async (tx) => {
      const stored = await this.initiatives.lock(tx, id);
      if (!stored) throw new InitiativeNotFound(id);
      if (stored.withdrawn) throw new InitiativeWithdrawn(id);
      const next = withdrawnVersion(stored.snapshot, reason, command.now ?? new Date());
      await this.initiatives.update(tx, next, true);
      await this.changes.publish(tx, partner, InitiativeEventType.Withdrawn, next, command.actor, 'API');
      return next;
    });
  }
}
