/**
 * What the console reads of the access token: its payload only, to show the organisation and hide what the user may
 * not do. The platform verifies the token on every call; nothing here is a security decision, only what to offer.
 */
export interface AccessClaims {
  sub?: string;
  org?: string;
  scope?: string;
  exp?: number;
  [claim: string]: unknown;
}

/** The General Secretariat: the only organisation whose analysts may decide pairs (POST /overlaps/:id/decision). */
export const GENERAL_SECRETARIAT = 'IP-GS-CTP';

function base64UrlDecode(segment: string): string {
  const b64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The payload of a JWT (not verified), or undefined when it is not a JWT. */
export function jwtPayload(token: string | undefined): AccessClaims | undefined {
  if (!token) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(base64UrlDecode(parts[1]));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as AccessClaims)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The scopes of the token's space-separated `scope` claim. */
export function scopesOf(claims: AccessClaims | undefined): Set<string> {
  const scope = claims?.scope;
  return new Set(typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : []);
}

export function hasScope(claims: AccessClaims | undefined, scope: string): boolean {
  return scopesOf(claims).has(scope);
}

/** Whether to offer the confirm/reject buttons: `overlaps:decide` at the General Secretariat (the route's rule). */
export function mayDecide(claims: AccessClaims | undefined): boolean {
  return hasScope(claims, 'overlaps:decide') && claims?.org === GENERAL_SECRETARIAT;
}

/** Whether the token has expired at `nowMs` (a token without `exp` never does, as far as the console knows). */
export function isExpired(claims: AccessClaims | undefined, nowMs: number): boolean {
  return typeof claims?.exp === 'number' && claims.exp * 1000 <= nowMs;
}
