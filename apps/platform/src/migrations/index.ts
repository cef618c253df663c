import { MessagingTables1764170000000 } from '@ctp/messaging';
import { Registry1764170200000 } from './1764170200000-registry';

export const PLATFORM_MIGRATIONS = [MessagingTables1764170000000, Registry1764170200000];
