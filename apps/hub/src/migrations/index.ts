import { MessagingTables1764170000000 } from '@ctp/messaging';
import { HubInitiatives1764170100000 } from './1764170100000-hub-initiatives';
import { HubInitiativeQueries1764170300000 } from './1764170300000-hub-initiative-queries';

export const HUB_MIGRATIONS = [
  MessagingTables1764170000000,
  HubInitiatives1764170100000,
  HubInitiativeQueries1764170300000,
];
