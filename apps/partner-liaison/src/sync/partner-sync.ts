import { EventSources } from '@ctp/contracts';
import { syncSourceProvider } from '@ctp/messaging';
import { PARTNER_LIAISON_CONFIG, PartnerLiaisonConfig } from '../config/partner-liaison.config';

/**
 * Partner-liaison's side of reconciliation with the platform, one source per registered partner: a digest of the
 * partner's rows of `partner_initiatives`, from `/ctp/partner-liaison/<code>` on `ctp.partner.<code>.sync.digest.v1`;
 * answers on `ctp-sync.partner.<code>.*` for every partner, those registered later too.
 */
export const PartnerSync = syncSourceProvider(PARTNER_LIAISON_CONFIG, (config: PartnerLiaisonConfig) => ({
  table: 'partner_initiatives',
  ownerColumn: 'partner_ref',
  scopes: async (m) => {
    const partners: { ref: string; code: string }[] = await m.query(`SELECT ref, code FROM partners ORDER BY code`);
    return partners.map((p) => ({ source: EventSources.partner(p.code), owner: p.ref }));
  },
  requestKeys: 'partner.*',
  settings: config,
}));
