import { MessagingTables1764170000000 } from '@ctp/messaging';

export const PARTNER_LIAISON_MIGRATIONS = [MessagingTables1764170000000];
