import { Injectable } from '@nestjs/common';
import type { ReceivedEvent } from '@ctp/messaging';
import type { Transaction } from '@ctp/persistence';
import type { MatchCandidate } from '../../overlaps/domain/match-candidate';

/** A record a batch changed: its newest applied version in the batch. */
export interface AppliedRecord {
  initiativeId: string;
  version: number;
  withdrawn: boolean;
  /** What the matcher reads of it (none when withdrawn): built once by the apply step, for its match fingerprint. */
  candidate?: MatchCandidate;
  /** Whether its match fingerprint changed, i.e. whether its pairs may have. */
  matchChanged: boolean;
}

/** What one batch applied to the registry (in the batch's order, one entry per record). */
export interface AppliedChanges {
  records: AppliedRecord[];
}

/** An event of a batch the registry's rules rejected, with their verdict. */
export interface RejectedEvent {
  event: ReceivedEvent;
  reason?: string;
  detail?: string;
}

/** A feature that follows the registry (overlaps, rollups, sync). */
export interface RegistryChangeListener {
  /** In the batch's transaction, after the registry rows were written: work that must commit (or not) with them. */
  onApplied?(tx: Transaction, changes: AppliedChanges): Promise<void>;
  /** Once the batch's transaction committed. */
  afterCommit?(changes: AppliedChanges): void;
  /** In the batch's transaction, after what was applied was announced: the events its rules rejected. */
  onRejected?(tx: Transaction, rejected: RejectedEvent[]): Promise<void>;
}

/**
 * The registry's announcement of what it applied, the port other features subscribe to: the registry knows none of
 * them, and they never drive it. Listeners are called in the order they subscribed.
 */
@Injectable()
export class RegistryChanges {
  private readonly listeners: RegistryChangeListener[] = [];

  subscribe(listener: RegistryChangeListener): void {
    this.listeners.push(listener);
  }

  /** Called by the apply step inside the batch's transaction, for a batch that applied at least one version. */
  async applied(tx: Transaction, changes: AppliedChanges): Promise<void> {
    for (const listener of this.listeners) await listener.onApplied?.(tx, changes);
    tx.afterCommit(() => {
      for (const listener of this.listeners) listener.afterCommit?.(changes);
    });
  }

  /** Called by the apply step inside the batch's transaction, last, for every batch (`rejected` may be empty). */
  async rejected(tx: Transaction, rejected: RejectedEvent[]): Promise<void> {
    for (const listener of this.listeners) await listener.onRejected?.(tx, rejected);
  }
}
