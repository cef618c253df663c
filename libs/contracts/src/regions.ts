/** The four regional counter-terrorism hubs (docs/domain.md "Organisations and what they may do"). */
export const HUB_REGIONS = ['afr', 'mde', 'asi', 'eur'] as const;
export type HubRegion = (typeof HUB_REGIONS)[number];

export function isHubRegion(value: unknown): value is HubRegion {
  return typeof value === 'string' && (HUB_REGIONS as readonly string[]).includes(value);
}

/** `IP-HUB-AFR` for `afr`: the reportingOrg.ref of a hub and the prefix of its initiative ids. */
export function hubOrgRef(region: HubRegion): string {
  return `IP-HUB-${region.toUpperCase()}`;
}

export const PLATFORM_ORG_REF = 'IP-GS-CTP';
