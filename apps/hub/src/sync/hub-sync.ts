import { syncSourceProvider } from '@ctp/messaging';
import { HUB_CONFIG, HubConfig } from '../config/hub.config';

/**
 * The hub's side of reconciliation with the platform: a digest of the table `initiatives`, all of it this hub's, on
 * `ctp.hub.<region>.sync.digest.v1`; answers on `ctp-sync.hub.<region>.*`.
 */
export const HubSync = syncSourceProvider(HUB_CONFIG, (config: HubConfig) => ({
  table: 'initiatives',
  scopes: () => Promise.resolve([{ source: config.source }]),
  requestKeys: `hub.${config.region}`,
  settings: config,
}));
