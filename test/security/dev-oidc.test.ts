import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  DEV_AUDIENCE,
  DEV_ISSUER,
  DevIssuer,
  devIssuerEnv,
  InvalidToken,
  readAuthConfig,
  TokenVerifier,
} from '@ctp/auth';
import { EnvReader } from '@ctp/observability';
import { DevOidcServer, startDevOidc } from '../../scripts/dev-oidc';
import { testIssuer } from '../support/auth';
import { freePort } from '../support/nats-server';

/*
 * The development OpenID Connect provider the console signs in with (`npm start`, scripts/dev-oidc.ts), over HTTP as
 * the browser uses it: discovery, the sign-in form, a code with a real S256 verifier, the token request. Its access
 * token passes the very verifier every service runs (libs/auth, configured by devIssuerEnv as `npm start` does), and
 * its id token verifies against the discovery issuer and the published JWKS — and is refused as a bearer token.
 */
describe('the development OIDC provider (console sign-in)', () => {
  const CONSOLE = 'http://127.0.0.1:3000';
  const REDIRECT = `${CONSOLE}/console/`;
  const SCOPE = 'openid registry:read registry:read-restricted overlaps:decide ops:read';
  let issuer: DevIssuer;
  let provider: DevOidcServer;
  let discovery: Record<string, string>;
  let services: TokenVerifier;
  const logs: string[] = [];

  beforeAll(async () => {
    issuer = await testIssuer();
    provider = await startDevOidc({
      development: true,
      devIssuer: issuer,
      port: await freePort(),
      log: (line) => logs.push(line),
    });
    const env = devIssuerEnv(issuer);
    const reader = new EnvReader(env);
    const config = readAuthConfig(reader, env);
    expect(reader.problems).toEqual([]);
    services = new TokenVerifier(config);
    discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      string
    >;
  });

  afterAll(() => provider?.close());

  function pkce(): { verifier: string; challenge: string } {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  function authorizeParams(challenge: string, over: Record<string, string> = {}): URLSearchParams {
    return new URLSearchParams({
      client_id: 'ctp-console',
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: SCOPE,
      state: 'st-42',
      nonce: 'n-0S6_WzA2Mj',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...over,
    });
  }

  /** Submits the sign-in form as the page does; the redirect (302) it answers with. */
  async function signIn(challenge: string, profile: string, name: string): Promise<URL> {
    const body = authorizeParams(challenge);
    body.set('profile', profile);
    body.set('name', name);
    const res = await fetch(discovery.authorization_endpoint, { method: 'POST', body, redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }

  function tokenRequest(code: string, verifier: string, over: Record<string, string> = {}): Promise<Response> {
    return fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { origin: CONSOLE },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: 'ctp-console',
        code_verifier: verifier,
        ...over,
      }),
    });
  }

  it('says it is for development only when it starts', () => {
    expect(logs[0]).toMatch(/^development sign-in \(never in production\)/);
  });

  it('publishes discovery with its own URL as issuer, S256 PKCE, the endpoints and CORS for the console', async () => {
    expect(discovery).toMatchObject({
      issuer: provider.issuer,
      authorization_endpoint: `${provider.issuer}/authorize`,
      token_endpoint: `${provider.issuer}/token`,
      jwks_uri: `${provider.issuer}/jwks`,
      end_session_endpoint: `${provider.issuer}/logout`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
    for (const path of ['/.well-known/openid-configuration', '/jwks']) {
      const ok = await fetch(`${provider.issuer}${path}`, { headers: { origin: CONSOLE } });
      expect(ok.headers.get('access-control-allow-origin')).toBe(CONSOLE);
      const other = await fetch(`${provider.issuer}${path}`, { headers: { origin: 'https://elsewhere.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    }
    const preflight = await fetch(discovery.token_endpoint, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  });

  it('shows an accessible sign-in form with the three profiles and a name', async () => {
    const res = await fetch(`${discovery.authorization_endpoint}?${authorizeParams(pkce().challenge).toString()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain(`form-action 'self' ${CONSOLE}`);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    for (const label of ['Analyst (all records, can decide)', 'Analyst (shareable records only)', 'Operator']) {
      expect(html).toMatch(new RegExp(`<label for="profile-[a-z-]+">${label.replace(/[()]/g, '\\$&')}</label>`));
    }
    expect(html).toContain('<legend>Profile</legend>');
    expect(html).toContain('<label for="name">Your name</label>');
    expect(html).toContain('name="state" value="st-42"');
    expect(html).toMatch(/never in production/);
  });

  it('runs the code flow: an access token the services accept unchanged, an id token of the discovery issuer', async () => {
    const { verifier, challenge } = pkce();
    const back = await signIn(challenge, 'analyst', 'Alice Martin');
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('st-42');
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const res = await tokenRequest(code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const tokens = (await res.json()) as Record<string, string | number>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });

    // The access token: `npm run token`'s issuer and audience, checked by the services' own verifier.
    const accessToken = String(tokens.access_token);
    expect(decodeProtectedHeader(accessToken).typ).toBe('at+jwt');
    const principal = await services.verify(accessToken);
    expect(principal.sub).toBe('dev:alice-martin');
    expect(principal.org).toBe('IP-GS-CTP');
    expect([...principal.scopes].sort()).toEqual(['ops:read', 'overlaps:decide', 'registry:read-restricted']);
    const { payload: access } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(discovery.jwks_uri)));
    expect(access).toMatchObject({ iss: DEV_ISSUER, aud: DEV_AUDIENCE });
    expect(Number(access.exp) - Number(access.iat)).toBe(3600);

    // The id token: the discovery issuer, for the client, with the name and the nonce, keys from jwks_uri.
    const idToken = String(tokens.id_token);
    const { payload: id } = await jwtVerify(idToken, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: discovery.issuer,
      audience: 'ctp-console',
      algorithms: ['ES256'],
    });
    expect(id).toMatchObject({ sub: 'dev:alice-martin', name: 'Alice Martin', nonce: 'n-0S6_WzA2Mj' });
    // ... which no service takes for an access token.
    await expect(services.verify(idToken)).rejects.toThrow(InvalidToken);

    // The code was for one use.
    const again = await tokenRequest(code, verifier);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'the code is unknown, expired or already used',
    });
  });

  it('gives the shareable-only analyst and the operator their own scopes', async () => {
    for (const [profile, scopes] of [
      ['analyst-shareable', ['registry:read']],
      ['operator', ['ops:read']],
    ] as const) {
      const { verifier, challenge } = pkce();
      const code = (await signIn(challenge, profile, 'Bob')).searchParams.get('code')!;
      const tokens = (await (await tokenRequest(code, verifier)).json()) as { access_token: string };
      const principal = await services.verify(tokens.access_token);
      expect([...principal.scopes]).toEqual(scopes);
      expect(principal.sub).toBe('dev:bob');
    }
  });

  it('refuses a token request without the right verifier, and the code is gone after it', async () => {
    const { verifier, challenge } = pkce();
    const code = (await signIn(challenge, 'analyst', 'Eve')).searchParams.get('code')!;
    const wrong = await tokenRequest(code, pkce().verifier);
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'code_verifier does not match the code_challenge (S256)',
    });
    expect((await tokenRequest(code, verifier)).status).toBe(400);
  });

  it('answers token request errors as RFC 6749 JSON', async () => {
    const bad = await tokenRequest('x', 'y', { client_id: 'someone-else' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
    const grant = await tokenRequest('x', 'y', { grant_type: 'password' });
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('never redirects to a URI outside the allow-list, and requires PKCE S256', async () => {
    const evil = authorizeParams(pkce().challenge, { redirect_uri: 'https://evil.example/console/' });
    const res = await fetch(`${discovery.authorization_endpoint}?${evil.toString()}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();

    const plain = authorizeParams('x'.repeat(43), { code_challenge_method: 'plain' });
    const refused = await fetch(`${discovery.authorization_endpoint}?${plain.toString()}`, { redirect: 'manual' });
    expect(refused.status).toBe(302);
    const to = new URL(refused.headers.get('location')!);
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect(to.searchParams.get('state')).toBe('st-42');
  });

  it('signs out to an allowed post-logout URI only', async () => {
    const ok = await fetch(
      `${discovery.end_session_endpoint}?post_logout_redirect_uri=${encodeURIComponent(REDIRECT)}&state=bye`,
      { redirect: 'manual' },
    );
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe(`${REDIRECT}?state=bye`);
    const evil = await fetch(
      `${discovery.end_session_endpoint}?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
      { redirect: 'manual' },
    );
    expect(evil.status).toBe(400);
    expect(evil.headers.get('location')).toBeNull();
  });
});
