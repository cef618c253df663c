import { MESSAGING_MIGRATIONS } from '@ctp/messaging';
import { HubInitiatives1764170100000 } from './1764170100000-hub-initiatives';
import { HubInitiativeQueries1764170300000 } from './1764170300000-hub-initiative-queries';
import { HubChangeActors1764300000000 } from './1764300000000-hub-change-actors';
import { HubStreamCheckpoints1764330100000 } from './1764330100000-hub-stream-checkpoints';

export const HUB_MIGRATIONS = [
  ...MESSAGING_MIGRATIONS,
  HubInitiatives1764170100000,
  HubInitiativeQueries1764170300000,
  HubChangeActors1764300000000,
  HubStreamCheckpoints1764330100000,
];
