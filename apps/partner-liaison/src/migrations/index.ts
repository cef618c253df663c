import { MESSAGING_MIGRATIONS } from '@ctp/messaging';
import { Partners1764170800000 } from './1764170800000-partners';
import { Outbound1764170900000 } from './1764170900000-outbound';
import { WebhookSecurity1764171000000 } from './1764171000000-webhook-security';

export const PARTNER_LIAISON_MIGRATIONS = [
  ...MESSAGING_MIGRATIONS,
  Partners1764170800000,
  Outbound1764170900000,
  WebhookSecurity1764171000000,
];
