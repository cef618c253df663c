/**
 * The scopes a token may carry (space-separated in its `scope` claim). A route needs one named scope AND the right
 * organisation; docs/security.md says which routes need which.
 */
export const SCOPES = [
  'initiatives:read',
  'initiatives:write',
  'registry:read',
  'registry:read-restricted',
  'overlaps:decide',
  'partners:admin',
  'partner',
  'ops:read',
  'ops:write',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Who a verified token speaks for. */
export interface Principal {
  /** Who (a person or a system), recorded with every change. */
  sub: string;
  /** Which organisation: IP-HUB-EUR, IP-GS-CTP, PT-UNODC, … */
  org: string;
  scopes: ReadonlySet<string>;
}

/** INTERPOL's own organisations (hubs, the General Secretariat): the only ones that may read restricted records. */
export function isInterpolOrg(org: string): boolean {
  return /^IP-[A-Z0-9-]+$/.test(org);
}

/** Whether this principal may see `INTERPOL_RESTRICTED` records. */
export function mayReadRestricted(p: Principal | undefined): boolean {
  return Boolean(p && p.scopes.has('registry:read-restricted') && isInterpolOrg(p.org));
}
