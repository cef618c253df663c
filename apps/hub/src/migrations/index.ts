import { MESSAGING_MIGRATIONS } from '@ctp/messaging';
import { HubInitiatives1764170100000 } from './1764170100000-hub-initiatives';
import { HubInitiativeQueries1764170300000 } from './1764170300000-hub-initiative-queries';

export const HUB_MIGRATIONS = [...MESSAGING_MIGRATIONS, HubInitiatives1764170100000, HubInitiativeQueries1764170300000];
