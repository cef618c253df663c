import { Injectable } from '@nestjs/common';

/**
 * Tells the webhook worker that deliveries were committed, so they leave at once rather than at the next poll. Call
 * `wake()` from `tx.afterCommit`, never inside the transaction (the worker would not see the rows yet).
 */
@Injectable()
export class DeliveryWakeUp {
  private listener?: () => void;

  onWake(listener: () => void): void {
    this.listener = listener;
  }

  wake(): void {
    this.listener?.();
  }
}
