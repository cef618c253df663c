import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { RegistryChangeListener, RegistryChanges, RejectedEvent } from '../../registry/application/registry-changes';
import { refusedVersionsOf } from '../domain/refusals';
import { RefusedRecords } from '../persistence/refused-records';

/**
 * Remembers, in the batch's transaction, the versions the registry refused for their content: reconciliation then
 * counts them as known instead of asking their source to re-publish them at every digest, for ever (#13).
 */
@Injectable()
export class RefusalIntake implements RegistryChangeListener {
  constructor(
    registry: RegistryChanges,
    private readonly refused: RefusedRecords,
  ) {
    registry.subscribe(this);
  }

  async onRejected(tx: Transaction, rejected: RejectedEvent[]): Promise<void> {
    await this.refused.record(tx, refusedVersionsOf(rejected, Date.now()));
  }
}
