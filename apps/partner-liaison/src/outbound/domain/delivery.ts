/** WITHHELD: not sent, and never will be: its record is no longer shareable (made restricted after it was queued). */
export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'DEAD' | 'WITHHELD';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['PENDING', 'DELIVERED', 'DEAD', 'WITHHELD'];

/** A webhook delivery of one feed entry to one partner, and where it stands. */
export interface Delivery {
  id: string;
  partnerRef: string;
  seq: number;
  kind: string;
  initiativeId: string;
  version: number | null;
  /** The entry's payload: what decides whether it may still be sent (never shown in a delivery's view). */
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
}
