/**
 * The development OpenID Connect provider the analysts' console signs in with on this machine (issue #16): started by
 * `npm start` when it uses the development issuer, on http://127.0.0.1:3999 (DEV_OIDC_PORT). Authorization Code with
 * PKCE (S256 only) for one public client, `ctp-console`; the sign-in page offers three profiles and a name, no
 * password: it is for development only, never in production (there the organisation's own OIDC provider signs people
 * in: CONSOLE_OIDC_AUTHORITY, CONSOLE_OIDC_CLIENT_ID and AUTH_* point to it).
 *
 * Two issuers, on purpose:
 *  - the ACCESS token is exactly what `npm run token` prints (libs/auth `signToken`): `iss` https://dev-issuer.ctp.local
 *    and `aud` ctp-coordination, typ at+jwt, signed with the development issuer's key. Every service already accepts it
 *    (AUTH_ISSUER/AUTH_AUDIENCE/AUTH_JWKS_FILE from `devIssuerEnv`), so nothing about the services, `npm run token` or
 *    the tests' issuer changes. The console treats it as opaque and sends it as the bearer token.
 *  - the ID token is the provider's own statement about who signed in, for the console: `iss` is this provider's base
 *    URL (the discovery document's `issuer`, which an OIDC client checks the id token against), `aud` the client_id,
 *    typ JWT — signed with the same key (published at /jwks), so the services refuse it as a bearer token twice over
 *    (another issuer, not at+jwt).
 * Making the development issuer's `iss` the provider's URL instead would have changed every service's AUTH_ISSUER and
 * every token the tests sign, for no gain: an access token's issuer need not be the OIDC issuer of the id token.
 *
 * Endpoints: /.well-known/openid-configuration, /jwks, /authorize (GET: the sign-in form; POST: a one-time code, 60 s),
 * /token, /logout (end_session_endpoint). Discovery, /jwks and /token answer the console's origins with CORS headers:
 * oidc-client-ts calls them with fetch from the browser. Every request must name it as `127.0.0.1:<port>` or
 * `localhost:<port>` in its Host header (`hostProblem`: 421 otherwise, against DNS rebinding).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { importJWK, SignJWT } from 'jose';
import { DevIssuer, ensureDevIssuer, SCOPES, signToken } from '@ctp/auth';
import { DEV_ISSUER_DIR } from './token';

export const DEV_OIDC_CLIENT_ID = 'ctp-console';
export const DEV_OIDC_DEFAULT_PORT = 3999;
export const DEV_OIDC_DEFAULT_REDIRECTS = ['http://127.0.0.1:3000/console/', 'http://localhost:3000/console/'];
/** What the provider says when it starts: it must never be mistaken for a real sign-in. */
export const DEVELOPMENT_ONLY = 'development sign-in (never in production)';
export const CODE_TTL_MS = 60_000;
export const TOKEN_TTL_S = 3600;

/** Who one can sign in as. */
export interface Profile {
  id: string;
  label: string;
  org: string;
  scope: string;
}

export const PROFILES: readonly Profile[] = [
  {
    id: 'analyst',
    label: 'Analyst (all records, can decide)',
    org: 'IP-GS-CTP',
    scope: 'registry:read-restricted overlaps:decide ops:read',
  },
  { id: 'analyst-shareable', label: 'Analyst (shareable records only)', org: 'IP-GS-CTP', scope: 'registry:read' },
  { id: 'operator', label: 'Operator', org: 'IP-GS-CTP', scope: 'ops:read' },
];

// ---------------------------------------------------------------------------------------------------------------
// PKCE (RFC 7636), S256 only

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function isCodeChallenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

/** Whether `verifier` (43–128 unreserved characters) hashes to `challenge` (BASE64URL(SHA-256)). */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier) || !CHALLENGE.test(challenge)) return false;
  return timingSafeEqual(Buffer.from(s256(verifier)), Buffer.from(challenge));
}

// ---------------------------------------------------------------------------------------------------------------
// Redirect URIs: under one of the allowed prefixes (same origin, path below the prefix's path)

export class RedirectAllowList {
  private readonly prefixes: URL[];

  constructor(prefixes: readonly string[]) {
    this.prefixes = prefixes.map((p) => {
      let u: URL;
      try {
        u = new URL(p);
      } catch {
        throw new Error(`redirect prefix ${JSON.stringify(p)} is not a URL`);
      }
      if (!['http:', 'https:'].includes(u.protocol) || u.username || u.password || u.search || u.hash) {
        throw new Error(`redirect prefix ${JSON.stringify(p)} must be an http(s) origin and path, nothing else`);
      }
      return u;
    });
    if (this.prefixes.length === 0) throw new Error('at least one redirect prefix is needed');
  }

  /** The origins the console runs at (for CORS and the sign-in page's form-action). */
  origins(): string[] {
    return [...new Set(this.prefixes.map((p) => p.origin))];
  }

  /**
   * The redirect URI, normalised by the URL parser (so `/console/../x` is `/x`, and judged as such), when it is under
   * an allowed prefix; undefined otherwise. A fragment is never allowed (RFC 6749 §3.1.2).
   */
  check(raw: string | undefined): URL | undefined {
    if (!raw) return undefined;
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return undefined;
    }
    if (u.hash || raw.includes('#') || u.username || u.password) return undefined;
    const ok = this.prefixes.some((p) => {
      if (u.origin !== p.origin) return false;
      const base = p.pathname.endsWith('/') ? p.pathname : `${p.pathname}/`;
      return u.pathname === p.pathname || u.pathname.startsWith(base);
    });
    return ok ? u : undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One-time authorization codes

export interface CodeGrant {
  clientId: string;
  /** Exactly as the authorization request sent it: the token request must send the same. */
  redirectUri: string;
  codeChallenge: string;
  nonce?: string;
  sub: string;
  name: string;
  org: string;
  /** Granted scopes, space-separated. */
  scope: string;
  authTime: number;
}

/** Codes in memory, each valid for `ttlMs` and for one redemption attempt only (RFC 6749 §4.1.2). */
export class CodeStore {
  private readonly codes = new Map<string, { grant: CodeGrant; expiresAtMs: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = CODE_TTL_MS,
  ) {}

  issue(grant: CodeGrant): string {
    this.sweep();
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { grant, expiresAtMs: this.now() + this.ttlMs });
    return code;
  }

  /**
   * The grant of `code`, taken out: whatever the token request then finds wrong (client, redirect URI, verifier), the
   * code is gone, so a verifier cannot be guessed by retrying. Undefined when unknown, already used or expired.
   */
  take(code: string): CodeGrant | undefined {
    const entry = this.codes.get(code);
    if (!entry) return undefined;
    this.codes.delete(code);
    return this.now() < entry.expiresAtMs ? entry.grant : undefined;
  }

  get size(): number {
    return this.codes.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [code, entry] of this.codes) if (entry.expiresAtMs <= now) this.codes.delete(code);
  }
}

/** An error answer of the token endpoint (RFC 6749 §5.2). */
export interface OAuthError {
  error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type';
  error_description: string;
}

/** Checks a token request (authorization_code grant) and redeems its code; the grant, or why not. */
export function redeemCode(
  codes: CodeStore,
  clientId: string,
  form: URLSearchParams,
): { grant: CodeGrant } | { refused: OAuthError } {
  const refuse = (error: OAuthError['error'], error_description: string) => ({ refused: { error, error_description } });
  for (const k of new Set(form.keys())) {
    if (form.getAll(k).length > 1) return refuse('invalid_request', `parameter ${k} is repeated`);
  }
  const grantType = form.get('grant_type');
  if (!grantType) return refuse('invalid_request', 'grant_type is required');
  if (grantType !== 'authorization_code')
    return refuse('unsupported_grant_type', 'only authorization_code is supported');
  if (form.get('client_id') !== clientId)
    return refuse('invalid_client', `unknown client_id (this provider serves ${clientId})`);
  for (const k of ['code', 'redirect_uri', 'code_verifier']) {
    if (!form.get(k)) return refuse('invalid_request', `${k} is required`);
  }
  const grant = codes.take(form.get('code')!);
  if (!grant) return refuse('invalid_grant', 'the code is unknown, expired or already used');
  if (grant.clientId !== form.get('client_id')) return refuse('invalid_grant', 'the code was issued to another client');
  if (grant.redirectUri !== form.get('redirect_uri')) {
    return refuse('invalid_grant', 'redirect_uri is not the one of the authorization request');
  }
  if (!pkceMatches(form.get('code_verifier')!, grant.codeChallenge)) {
    return refuse('invalid_grant', 'code_verifier does not match the code_challenge (S256)');
  }
  return { grant };
}

// ---------------------------------------------------------------------------------------------------------------
// Authorization requests

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  redirect: URL;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  scope: string;
}

type AuthorizeCheck =
  | { ok: AuthorizeRequest }
  /** No redirect URI to trust: said on the provider's own page. */
  | { page: string }
  /** Said to the client at its redirect URI (RFC 6749 §4.1.2.1). */
  | { redirect: URL; error: string; description: string; state?: string };

const AUTHORIZE_PARAMS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
] as const;

export function checkAuthorize(p: URLSearchParams, clientId: string, redirects: RedirectAllowList): AuthorizeCheck {
  for (const k of AUTHORIZE_PARAMS) {
    if (p.getAll(k).length > 1) return { page: `The parameter ${k} is repeated.` };
  }
  if (p.get('client_id') !== clientId) {
    return { page: `Unknown client_id ${JSON.stringify(p.get('client_id') ?? '')}: this provider serves ${clientId}.` };
  }
  const redirectUri = p.get('redirect_uri') ?? '';
  const redirect = redirects.check(redirectUri);
  if (!redirect) {
    return {
      page: `redirect_uri ${JSON.stringify(redirectUri)} is not allowed: it must start with ${redirects
        .origins()
        .join(' or ')} and a path this provider allows (DEV_OIDC_REDIRECTS).`,
    };
  }
  const state = p.get('state') ?? undefined;
  const fail = (error: string, description: string) => ({ redirect, error, description, state });
  if (p.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  const challenge = p.get('code_challenge') ?? '';
  if (p.get('code_challenge_method') !== 'S256' || !challenge) {
    return fail('invalid_request', 'PKCE is required: code_challenge with code_challenge_method=S256');
  }
  if (!isCodeChallenge(challenge)) return fail('invalid_request', 'code_challenge is not a BASE64URL SHA-256 digest');
  // No session is kept: every sign-in shows the form, so a silent one cannot succeed.
  if (p.get('prompt') === 'none') return fail('login_required', 'the development provider keeps no session');
  return {
    ok: {
      clientId,
      redirectUri,
      redirect,
      state,
      nonce: p.get('nonce') ?? undefined,
      codeChallenge: challenge,
      scope: p.get('scope') ?? '',
    },
  };
}

/** The profile's scopes the client asked for (a client asking for less gets less). */
export function grantedScope(profile: Profile, requested: string): string {
  const asked = new Set(requested.split(' ').filter(Boolean));
  return profile.scope
    .split(' ')
    .filter((s) => asked.has(s))
    .join(' ');
}

const NAME = /^[\p{L}\p{N} .'_-]{1,60}$/u;

/** `sub` for a name typed on the form: dev:<name>, lower-case, letters and digits joined by '-'. */
export function subjectFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `dev:${slug || 'user'}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The sign-in page

const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f4f5f7}',
  'main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #c9ccd1;border-radius:8px}',
  'h1{font-size:1.4rem;margin-top:0}',
  '.warn{background:#fff4ce;border-left:4px solid #8a6100;padding:.5rem .75rem}',
  'fieldset{border:1px solid #c9ccd1;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}',
  'legend{font-weight:600;padding:0 .25rem}',
  '.choice{margin:.4rem 0}',
  '.scope{display:block;margin-left:1.7rem;color:#4a4f57;font-size:.9rem}',
  'label[for=name]{display:block;font-weight:600;margin-top:1rem}',
  'input[type=text]{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;border:1px solid #6b7079;border-radius:4px}',
  'button{font:inherit;margin-top:1.25rem;padding:.5rem 1.25rem;background:#0b4f9c;color:#fff;border:0;border-radius:4px}',
  'button:focus,input:focus{outline:3px solid #ffbf47;outline-offset:2px}',
  '.error{color:#a4000f;font-weight:600}',
].join('');
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c as '&' | '<' | '>' | '"' | "'"],
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function signInPage(req: AuthorizeRequest, values: { profile?: string; name?: string }, problem?: string): string {
  const hidden: [string, string | undefined][] = [
    ['client_id', req.clientId],
    ['redirect_uri', req.redirectUri],
    ['response_type', 'code'],
    ['scope', req.scope],
    ['state', req.state],
    ['nonce', req.nonce],
    ['code_challenge', req.codeChallenge],
    ['code_challenge_method', 'S256'],
  ];
  const chosen = PROFILES.some((p) => p.id === values.profile) ? values.profile : PROFILES[0].id;
  const profiles = PROFILES.map(
    (p) => `<div class="choice">
<input type="radio" id="profile-${p.id}" name="profile" value="${p.id}"${p.id === chosen ? ' checked' : ''} aria-describedby="scope-${p.id}">
<label for="profile-${p.id}">${esc(p.label)}</label>
<span class="scope" id="scope-${p.id}">${esc(p.org)}: ${esc(p.scope)}</span>
</div>`,
  ).join('\n');
  return page(
    'Sign in (development)',
    `<h1>Sign in to the CTP console</h1>
<p class="warn" role="note">Development sign-in, never in production: no password, anyone on this machine can choose any profile.</p>
${problem ? `<p class="error" role="alert" id="problem">${esc(problem)}</p>` : ''}
<form method="post" action="/authorize">
${hidden
  .filter(([, v]) => v !== undefined)
  .map(([k, v]) => `<input type="hidden" name="${k}" value="${esc(v!)}">`)
  .join('\n')}
<fieldset>
<legend>Profile</legend>
${profiles}
</fieldset>
<label for="name">Your name</label>
<input type="text" id="name" name="name" required maxlength="60" autocomplete="name" value="${esc(values.name ?? 'analyst')}"${problem ? ' aria-invalid="true" aria-describedby="problem"' : ''}>
<button type="submit">Sign in</button>
</form>`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The server

export interface DevOidcOptions {
  /** Must be true: the provider signs anyone in as anyone, so it starts only when asked for development. */
  development: boolean;
  /** The development issuer whose key signs the tokens (default: the one under .ctp/dev-issuer/, `npm run token`'s). */
  devIssuer?: DevIssuer;
  port?: number;
  /** Allowed redirect URI prefixes (default DEV_OIDC_DEFAULT_REDIRECTS); post-logout redirects too. */
  redirects?: readonly string[];
  clientId?: string;
  log?: (line: string) => void;
  /** The clock, for tests. */
  now?: () => number;
}

export interface DevOidcServer {
  /** The base URL, also the OIDC issuer identifier (the id tokens' `iss`, discovery's `issuer`). */
  issuer: string;
  port: number;
  close(): Promise<void>;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 16 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpProblem(415, 'the body must be application/x-www-form-urlencoded');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpProblem(413, 'the body is too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Whether a request's Host header names this provider: `127.0.0.1:<port>` or `localhost:<port>` (any case), nothing
 * else. Listening on loopback is not enough: a page on another site can have its own name resolve to 127.0.0.1 (DNS
 * rebinding) and then read this provider's answers as same-origin. Its requests carry that name in Host, so they are
 * refused (421), and a request without a Host header too (400).
 */
export function hostProblem(
  host: string | undefined,
  port: number,
): { status: 400 | 421; message: string } | undefined {
  if (host === undefined || host === '') return { status: 400, message: 'the request has no Host header' };
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (allowed.includes(host.toLowerCase())) return undefined;
  return {
    status: 421,
    message: `this development provider answers only to Host ${allowed.join(' or ')}, not ${JSON.stringify(host.slice(0, 100))}`,
  };
}

/** Starts the provider on 127.0.0.1; refuses unless `development` is true and NODE_ENV is not production. */
export async function startDevOidc(options: DevOidcOptions): Promise<DevOidcServer> {
  if (options.development !== true) {
    throw new Error(`the development OIDC provider starts only for development (${DEVELOPMENT_ONLY})`);
  }
  if (process.env.NODE_ENV === 'production') {
    throw new Error('the development OIDC provider refuses to start with NODE_ENV=production');
  }
  const dev = options.devIssuer ?? (await ensureDevIssuer(DEV_ISSUER_DIR));
  const clientId = options.clientId ?? DEV_OIDC_CLIENT_ID;
  const redirects = new RedirectAllowList(options.redirects ?? DEV_OIDC_DEFAULT_REDIRECTS);
  const origins = redirects.origins();
  const now = options.now ?? Date.now;
  const codes = new CodeStore(now);
  const log = options.log ?? (() => undefined);
  const jwks = readFileSync(dev.jwksFile, 'utf8');
  const key = await importJWK(dev.privateJwk, 'ES256');
  let issuer = '';

  const discovery = () => ({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    end_session_endpoint: `${issuer}/logout`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    scopes_supported: ['openid', ...SCOPES],
    claims_supported: ['iss', 'aud', 'sub', 'exp', 'iat', 'auth_time', 'nonce', 'name', 'org'],
  });

  function cors(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    if (origin && origins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Accept');
      res.setHeader('Access-Control-Max-Age', '600');
    }
  }

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function html(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self' ${origins.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.end(body);
  }

  function redirectTo(res: ServerResponse, target: URL, params: Record<string, string | undefined>): void {
    const u = new URL(target.href);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    res.writeHead(302, { Location: u.href, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    res.end();
  }

  function authorize(res: ServerResponse, check: AuthorizeCheck, then: (r: AuthorizeRequest) => void): void {
    if ('page' in check) {
      html(res, 400, page('Sign-in refused', `<h1>Sign-in refused</h1>\n<p role="alert">${esc(check.page)}</p>`));
    } else if ('error' in check) {
      redirectTo(res, check.redirect, {
        error: check.error,
        error_description: check.description,
        state: check.state,
      });
    } else {
      then(check.ok);
    }
  }

  async function issueTokens(grant: CodeGrant): Promise<Record<string, unknown>> {
    const accessToken = await signToken(dev, {
      org: grant.org,
      scope: grant.scope,
      sub: grant.sub,
      ttlSec: TOKEN_TTL_S,
    });
    const iat = Math.floor(now() / 1000);
    const idToken = await new SignJWT({
      name: grant.name,
      org: grant.org,
      auth_time: grant.authTime,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: dev.privateJwk.kid })
      .setIssuer(issuer)
      .setAudience(grant.clientId)
      .setSubject(grant.sub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TOKEN_TTL_S)
      .sign(key);
    return {
      access_token: accessToken,
      id_token: idToken,
      token_type: 'Bearer',
      expires_in: TOKEN_TTL_S,
      scope: ['openid', grant.scope].filter(Boolean).join(' '),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const method = req.method ?? 'GET';
    const corsPaths = ['/.well-known/openid-configuration', '/jwks', '/token'];
    if (corsPaths.includes(url.pathname)) {
      cors(req, res);
      if (method === 'OPTIONS') {
        res.writeHead(204);
        res.end();
        return;
      }
    }
    switch (`${method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        return json(res, 200, discovery(), { 'Cache-Control': 'no-cache' });
      case 'GET /jwks':
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
        res.end(jwks);
        return;
      case 'GET /authorize':
        return authorize(res, checkAuthorize(url.searchParams, clientId, redirects), (r) =>
          html(res, 200, signInPage(r, {})),
        );
      case 'POST /authorize': {
        const form = await readForm(req);
        return authorize(res, checkAuthorize(form, clientId, redirects), (r) => {
          const profile = PROFILES.find((p) => p.id === form.get('profile'));
          const name = (form.get('name') ?? '').trim();
          const values = { profile: form.get('profile') ?? undefined, name };
          if (!profile) return html(res, 400, signInPage(r, values, 'Choose a profile.'));
          if (!NAME.test(name)) {
            return html(
              res,
              400,
              signInPage(r, values, 'Type a name: 1 to 60 letters, digits, spaces, dots, apostrophes or dashes.'),
            );
          }
          const scope = grantedScope(profile, r.scope);
          if (!scope) {
            return redirectTo(res, r.redirect, {
              error: 'invalid_scope',
              error_description: `the profile ${profile.label} grants none of the requested scopes`,
              state: r.state,
            });
          }
          const sub = subjectFor(name);
          const code = codes.issue({
            clientId: r.clientId,
            redirectUri: r.redirectUri,
            codeChallenge: r.codeChallenge,
            nonce: r.nonce,
            sub,
            name,
            org: profile.org,
            scope,
            authTime: Math.floor(now() / 1000),
          });
          log(`${sub} signs in as ${profile.label} (${profile.org}: ${scope}); one-time code for ${r.clientId}, 60 s`);
          redirectTo(res, r.redirect, { code, state: r.state });
        });
      }
      case 'POST /token': {
        let form: URLSearchParams;
        try {
          form = await readForm(req);
        } catch (err) {
          const status = err instanceof HttpProblem ? 400 : 500;
          return json(res, status, { error: 'invalid_request', error_description: (err as Error).message });
        }
        const outcome = redeemCode(codes, clientId, form);
        const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
        if ('refused' in outcome) {
          log(`token request refused: ${outcome.refused.error} (${outcome.refused.error_description})`);
          const status = outcome.refused.error === 'invalid_client' ? 401 : 400;
          return json(res, status, outcome.refused, noStore);
        }
        log(`tokens issued to ${outcome.grant.sub} (${outcome.grant.org}: ${outcome.grant.scope}), ${TOKEN_TTL_S} s`);
        return json(res, 200, await issueTokens(outcome.grant), noStore);
      }
      case 'GET /logout': {
        const target = url.searchParams.get('post_logout_redirect_uri');
        if (!target) {
          return html(
            res,
            200,
            page('Signed out', '<h1>Signed out</h1>\n<p>The development provider keeps no session.</p>'),
          );
        }
        const allowed = redirects.check(target);
        if (!allowed) {
          return html(
            res,
            400,
            page(
              'Sign-out redirect refused',
              `<h1>Sign-out redirect refused</h1>\n<p role="alert">post_logout_redirect_uri ${esc(JSON.stringify(target))} is not allowed.</p>`,
            ),
          );
        }
        return redirectTo(res, allowed, { state: url.searchParams.get('state') ?? undefined });
      }
      default: {
        const known = ['/.well-known/openid-configuration', '/jwks', '/authorize', '/token', '/logout'];
        if (known.includes(url.pathname)) return json(res, 405, { error: 'method_not_allowed' });
        return json(res, 404, { error: 'not_found', error_description: `${url.pathname} is not an endpoint here` });
      }
    }
  }

  const server: Server = createServer((req, res) => {
    const wrongHost = hostProblem(req.headers.host, (server.address() as AddressInfo).port);
    if (wrongHost) {
      log(`request refused: ${wrongHost.message}`);
      return json(res, wrongHost.status, {
        error: wrongHost.status === 421 ? 'misdirected_request' : 'invalid_request',
        error_description: wrongHost.message,
      });
    }
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpProblem ? err.status : 500;
      if (status === 500) log(`error: ${(err as Error).message}`);
      if (!res.headersSent)
        json(res, status, {
          error: status === 500 ? 'server_error' : 'invalid_request',
          error_description: (err as Error).message,
        });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEV_OIDC_DEFAULT_PORT, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  issuer = `http://127.0.0.1:${port}`;
  log(
    `${DEVELOPMENT_ONLY}: OpenID Connect provider ${issuer} for client ${clientId}, redirects under ${(
      options.redirects ?? DEV_OIDC_DEFAULT_REDIRECTS
    ).join(', ')}; access tokens from the development issuer ${dev.issuer} (aud ${dev.audience})`,
  );
  return {
    issuer,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** DEV_OIDC_PORT (default 3999). */
export function devOidcPort(env: NodeJS.ProcessEnv): number {
  const raw = env.DEV_OIDC_PORT;
  if (raw === undefined || raw === '') return DEV_OIDC_DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`DEV_OIDC_PORT=${JSON.stringify(raw)} is not a port`);
  return port;
}

/** DEV_OIDC_REDIRECTS: comma-separated redirect URI prefixes (default the console on 127.0.0.1:3000 and localhost:3000). */
export function devOidcRedirects(env: NodeJS.ProcessEnv): string[] {
  const list = (env.DEV_OIDC_REDIRECTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const redirects = list.length ? list : DEV_OIDC_DEFAULT_REDIRECTS;
  new RedirectAllowList(redirects); // fails now, with the bad entry named, rather than at the first sign-in
  return redirects;
}

/** `node dist/scripts/dev-oidc.js --development`: the provider alone (`npm start` runs it for you). */
async function main(): Promise<void> {
  if (!process.argv.slice(2).includes('--development')) {
    process.stderr.write(
      `dev-oidc: refusing to start without --development: it signs anyone in as anyone (${DEVELOPMENT_ONLY})\n`,
    );
    process.exit(2);
  }
  const server = await startDevOidc({
    development: true,
    port: devOidcPort(process.env),
    redirects: devOidcRedirects(process.env),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`dev-oidc: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
