import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';

/** A feature that follows pairs and clusters (rollups). */
export interface OverlapChangeListener {
  /** Once a transaction that may have changed pairs or clusters (a detection run, a decision) committed. */
  overlapsChanged(): void;
}

/**
 * The overlaps feature's announcement that pairs or clusters may have changed, the port other features subscribe to
 * (rollups count deduplicated records by cluster). Listeners are called in the order they subscribed.
 */
@Injectable()
export class OverlapChanges {
  private readonly listeners: OverlapChangeListener[] = [];

  subscribe(listener: OverlapChangeListener): void {
    this.listeners.push(listener);
  }

  /** Announces the change once `tx` committed. */
  changed(tx: Transaction): void {
    tx.afterCommit(() => {
      for (const listener of this.listeners) listener.overlapsChanged();
    });
  }
}
