import { Partner } from '../domain/partner';

/** A partner's webhook as the API shows it: never a stored secret, only whether there is one and since when. */
export interface PartnerWebhookView {
  url: string;
  secretSet: boolean;
  secretCreatedAt: string | null;
  /** During a rotation's grace period: until when the previous secret still signs next to the new one. */
  previousSecretValidUntil: string | null;
  /**
   * The secret in clear (`whsec_…`), only in the answer that generated it (registration with a webhook, a new URL, a
   * rotation): it is not shown again, by any request.
   */
  secret?: string;
}

/** A partner as the API shows it: as registered, with its webhook's view (never a stored secret) or null. */
export type PartnerView = Omit<Partner, 'webhook'> & { webhook: PartnerWebhookView | null };

/** `secret`: the one just generated, to show once (the answer to the change that generated it). */
export function toPartnerView(p: Partner, secret?: string, now: Date = new Date()): PartnerView {
  const s = p.webhook?.secrets;
  const previousUntil = s?.previous && Date.parse(s.previous.validUntil) > now.getTime() ? s.previous.validUntil : null;
  return {
    ref: p.ref,
    code: p.code,
    name: p.name,
    acronym: p.acronym,
    type: p.type,
    regions: p.regions,
    agreement: p.agreement,
    webhook: p.webhook
      ? {
          url: p.webhook.url,
          secretSet: !!s,
          secretCreatedAt: s?.createdAt ?? null,
          previousSecretValidUntil: previousUntil,
          ...(secret ? { secret } : {}),
        }
      : null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
