import { Partner, PartnerRegion, PartnerType } from '../domain/partner';

/** A partner as the API shows it: never the webhook secret, only whether one is set. */
export interface PartnerView {
  ref: string;
  code: string;
  name: string;
  acronym: string;
  type: PartnerType;
  regions: PartnerRegion[];
  agreement: string;
  webhook: { url: string; secretSet: boolean } | null;
  createdAt?: string;
  updatedAt?: string;
}

export function toPartnerView(p: Partner): PartnerView {
  return {
    ref: p.ref,
    code: p.code,
    name: p.name,
    acronym: p.acronym,
    type: p.type,
    regions: p.regions,
    agreement: p.agreement,
    webhook: p.webhook ? { url: p.webhook.url, secretSet: !!p.webhook.secret } : null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
