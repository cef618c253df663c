import { Injectable } from '@nestjs/common';
import { DeadLetterEntry, DeadLetterListener, RecordedDeadLetters } from '@ctp/messaging';
import type { Transaction } from '@ctp/persistence';
import { RegistryChangeListener, RegistryChanges, RejectedEvent } from '../../registry/application/registry-changes';
import { refusedVersionOfDeadLetter, refusedVersionsOf } from '../domain/refusals';
import { RefusedRecords } from '../persistence/refused-records';

/**
 * Remembers, in the batch's transaction, the versions the registry refused for their content: reconciliation then
 * counts them as known instead of asking their source to re-publish them at every digest, for ever (#13). Likewise,
 * in the transaction that records a dead letter, a version one of the platform's consumers dead-lettered for a
 * permanent reason (an invalid envelope, a value PostgreSQL refuses), for an hour at a time (#18).
 */
@Injectable()
export class RefusalIntake implements RegistryChangeListener, DeadLetterListener {
  constructor(
    registry: RegistryChanges,
    deadLetters: RecordedDeadLetters,
    private readonly refused: RefusedRecords,
  ) {
    registry.subscribe(this);
    deadLetters.subscribe(this);
  }

  async onRejected(tx: Transaction, rejected: RejectedEvent[]): Promise<void> {
    await this.refused.record(tx, refusedVersionsOf(rejected, Date.now()));
  }

  async onDeadLettered(tx: Transaction, letter: DeadLetterEntry, payload: unknown): Promise<void> {
    const refused = refusedVersionOfDeadLetter(letter, payload, Date.now());
    if (refused) await this.refused.record(tx, [refused]);
  }
}
