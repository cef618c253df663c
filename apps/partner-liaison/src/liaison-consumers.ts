import { DurableConsumers, Subjects } from '@ctp/contracts';
import { ConsumerBinding } from '@ctp/messaging';

/** Durable consumer names are the inbox's keys too: never rename them. */
export const LIAISON_CONSUMERS: ConsumerBinding[] = [
  { durable: DurableConsumers.liaisonHubs, filterSubject: Subjects.allHubs },
  { durable: DurableConsumers.liaisonOverlaps, filterSubject: Subjects.allOverlaps },
];
