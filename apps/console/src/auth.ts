/**
 * Sign-in: OpenID Connect Authorization Code with PKCE (oidc-client-ts), configured by GET /console/config.json (no
 * token). The redirect comes back to /console/ with ?code=&state=; the page we were on travels in the state and the
 * URL is cleaned. The user is kept in sessionStorage (this tab only). No silent renew: an expired token means "sign in
 * again".
 */
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { jwtPayload, type AccessClaims } from './lib/token';

export interface ConsoleConfig {
  oidc: { authority: string; clientId: string; scope: string };
  environment: 'development' | 'production' | string;
}

export interface Session {
  accessToken: string;
  claims: AccessClaims;
  /** Who: the id token's name (else preferred_username, else the subject). */
  name: string;
  org: string;
  expiresAt: number | undefined;
}

/** The console's own URL (the redirect URI and the post-logout redirect URI): origin + base path. */
export function consoleUrl(): string {
  return `${window.location.origin}${import.meta.env.BASE_URL}`;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch(`${import.meta.env.BASE_URL}config.json`, {
    headers: { Accept: 'application/json' },
    cache: 'no-store',
    credentials: 'omit',
  });
  if (!res.ok) {
    let message = `${res.status}`;
    try {
      const body = (await res.json()) as { message?: string };
      if (body.message) message = `${res.status}: ${body.message}`;
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(`The console's configuration could not be read (${message})`);
  }
  const config = (await res.json()) as ConsoleConfig;
  if (!config?.oidc?.authority || !config.oidc.clientId) {
    throw new Error("The console's configuration names no sign-in provider");
  }
  return config;
}

export function userManagerFor(config: ConsoleConfig): UserManager {
  return new UserManager({
    authority: config.oidc.authority,
    client_id: config.oidc.clientId,
    scope: config.oidc.scope,
    redirect_uri: consoleUrl(),
    post_logout_redirect_uri: consoleUrl(),
    response_type: 'code',
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

/** The session of a signed-in user, or undefined when there is none or its access token has expired. */
export function sessionOf(user: User | null): Session | undefined {
  if (!user || user.expired) return undefined;
  const claims = jwtPayload(user.access_token) ?? {};
  const profile = user.profile as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    accessToken: user.access_token,
    claims,
    name: str(profile.name) ?? str(profile.preferred_username) ?? str(claims.sub) ?? str(profile.sub) ?? 'unknown user',
    org: str(claims.org) ?? str(profile.org) ?? '',
    expiresAt: user.expires_at,
  };
}

/** Whether this page load is the provider's redirect back (`?code=…&state=…` or `?error=…&state=…`). */
export function isSignInCallback(search: string): boolean {
  const p = new URLSearchParams(search);
  return p.has('state') && (p.has('code') || p.has('error'));
}

/**
 * Completes the sign-in the provider redirected back from; answers the user and the hash to go back to. Cleans the
 * URL (no code or state left in the address bar or the history) whatever happens.
 */
export async function completeSignIn(um: UserManager): Promise<{ user: User; hash: string }> {
  const url = window.location.href;
  try {
    const user = await um.signinRedirectCallback(url);
    const state = user.state as { hash?: unknown } | undefined;
    const hash = typeof state?.hash === 'string' && state.hash.startsWith('#/') ? state.hash : '#/rollups';
    return { user, hash };
  } finally {
    window.history.replaceState(null, '', `${import.meta.env.BASE_URL}${window.location.hash}`);
  }
}

export function signIn(um: UserManager): Promise<void> {
  return um.signinRedirect({ state: { hash: window.location.hash || '#/rollups' } });
}

/** Signs out at the provider when it offers an end-session endpoint; locally in any case. */
export async function signOut(um: UserManager): Promise<void> {
  const user = await um.getUser();
  await um.removeUser();
  try {
    const endSession = await um.metadataService.getEndSessionEndpoint();
    if (endSession) await um.signoutRedirect({ id_token_hint: user?.id_token });
  } catch {
    // No end-session endpoint (or the provider is unreachable): signed out of the console only.
  }
}
