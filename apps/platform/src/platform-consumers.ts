import { DurableConsumers, Subjects } from '@ctp/contracts';
import { ConsumerBinding } from '@ctp/messaging';
import { initiativeOrderingKey } from './registry/messaging/initiative-ordering-key';

/** Durable consumer names are the inbox's keys too: never rename them. */
export const PLATFORM_CONSUMERS: ConsumerBinding[] = [
  { durable: DurableConsumers.platformHubs, filterSubject: Subjects.allHubs, orderingKey: initiativeOrderingKey },
  {
    durable: DurableConsumers.platformPartners,
    filterSubject: Subjects.allPartners,
    orderingKey: initiativeOrderingKey,
  },
];
