import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevIssuer } from '@ctp/auth';
import {
  checkAuthorize,
  CodeGrant,
  CodeStore,
  devOidcPort,
  devOidcRedirects,
  grantedScope,
  hostProblem,
  pkceMatches,
  PROFILES,
  RedirectAllowList,
  redeemCode,
  s256,
  startDevOidc,
  subjectFor,
} from './dev-oidc';

// RFC 7636 appendix B
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE (S256)', () => {
  it('computes the challenge of RFC 7636 appendix B', () => {
    expect(s256(RFC_VERIFIER)).toBe(RFC_CHALLENGE);
  });

  it('accepts the verifier of its challenge', () => {
    expect(pkceMatches(RFC_VERIFIER, RFC_CHALLENGE)).toBe(true);
  });

  it.each([
    ['another verifier', `${RFC_VERIFIER.slice(0, -1)}x`, RFC_CHALLENGE],
    ['the challenge itself as verifier (plain)', RFC_CHALLENGE, RFC_CHALLENGE],
    ['a verifier shorter than 43 characters', 'short', s256('short')],
    ['a verifier longer than 128 characters', 'a'.repeat(129), s256('a'.repeat(129))],
    ['a verifier with characters outside the unreserved set', `${RFC_VERIFIER}+/`, s256(`${RFC_VERIFIER}+/`)],
    ['a challenge that is not a SHA-256 digest', RFC_VERIFIER, 'abc'],
  ])('refuses %s', (_, verifier, challenge) => {
    expect(pkceMatches(verifier, challenge)).toBe(false);
  });
});

const grant = (over: Partial<CodeGrant> = {}): CodeGrant => ({
  clientId: 'ctp-console',
  redirectUri: 'http://127.0.0.1:3000/console/',
  codeChallenge: RFC_CHALLENGE,
  sub: 'dev:alice',
  name: 'Alice',
  org: 'IP-GS-CTP',
  scope: 'registry:read',
  authTime: 0,
  ...over,
});

describe('CodeStore', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('gives a code back once only', () => {
    const codes = new CodeStore(clock);
    const code = codes.issue(grant());
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(codes.take(code)).toEqual(grant());
    expect(codes.take(code)).toBeUndefined();
  });

  it('is valid for 60 s', () => {
    const codes = new CodeStore(clock);
    const a = codes.issue(grant());
    const b = codes.issue(grant());
    now += 59_999;
    expect(codes.take(a)).toBeDefined();
    now += 1;
    expect(codes.take(b)).toBeUndefined();
  });

  it('forgets expired codes as new ones are issued', () => {
    const codes = new CodeStore(clock);
    codes.issue(grant());
    now += 60_000;
    codes.issue(grant());
    expect(codes.size).toBe(1);
  });

  it('knows nothing of codes it did not issue', () => {
    expect(new CodeStore(clock).take('made-up')).toBeUndefined();
  });
});

describe('redeemCode (token request)', () => {
  const form = (code: string, over: Record<string, string> = {}) =>
    new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1:3000/console/',
      client_id: 'ctp-console',
      code_verifier: RFC_VERIFIER,
      ...over,
    });

  it('redeems a code with the right client, redirect URI and verifier', () => {
    const codes = new CodeStore();
    const code = codes.issue(grant());
    expect(redeemCode(codes, 'ctp-console', form(code))).toEqual({ grant: grant() });
  });

  it.each([
    ['a wrong verifier', { code_verifier: 'x'.repeat(43) }, 'invalid_grant', /code_verifier/],
    ['another redirect URI', { redirect_uri: 'http://localhost:3000/console/' }, 'invalid_grant', /redirect_uri/],
    ['another client', { client_id: 'other' }, 'invalid_client', /client_id/],
    ['another grant type', { grant_type: 'refresh_token' }, 'unsupported_grant_type', /authorization_code/],
    ['no verifier', { code_verifier: '' }, 'invalid_request', /code_verifier is required/],
  ])('refuses %s', (_, over, error, description) => {
    const codes = new CodeStore();
    const code = codes.issue(grant());
    const outcome = redeemCode(codes, 'ctp-console', form(code, over));
    expect(outcome).toEqual({ refused: { error, error_description: expect.stringMatching(description) } });
  });

  it('burns the code on a failed attempt: the right verifier afterwards finds nothing', () => {
    const codes = new CodeStore();
    const code = codes.issue(grant());
    expect(redeemCode(codes, 'ctp-console', form(code, { code_verifier: 'y'.repeat(43) }))).toHaveProperty('refused');
    expect(redeemCode(codes, 'ctp-console', form(code))).toEqual({
      refused: { error: 'invalid_grant', error_description: 'the code is unknown, expired or already used' },
    });
  });

  it('refuses an expired code', () => {
    let now = 0;
    const codes = new CodeStore(() => now);
    const code = codes.issue(grant());
    now = 60_001;
    expect(redeemCode(codes, 'ctp-console', form(code))).toMatchObject({ refused: { error: 'invalid_grant' } });
  });

  it('refuses a repeated parameter', () => {
    const codes = new CodeStore();
    const f = form(codes.issue(grant()));
    f.append('code', 'other');
    expect(redeemCode(codes, 'ctp-console', f)).toMatchObject({ refused: { error: 'invalid_request' } });
  });
});

describe('RedirectAllowList', () => {
  const list = new RedirectAllowList(['http://127.0.0.1:3000/console/', 'http://localhost:3000/console/']);

  it.each([
    'http://127.0.0.1:3000/console/',
    'http://localhost:3000/console/',
    'http://127.0.0.1:3000/console/callback',
    'http://127.0.0.1:3000/console/?x=1',
  ])('allows %s', (uri) => {
    expect(list.check(uri)?.href).toBe(uri);
  });

  it.each([
    'http://127.0.0.1:3001/console/',
    'https://127.0.0.1:3000/console/',
    'http://127.0.0.1:3000/',
    'http://127.0.0.1:3000/consolex/',
    'http://127.0.0.1:3000/console/../api',
    'http://127.0.0.1:3000/console/%2e%2e/api',
    'http://127.0.0.1:3000/console/#/rollups',
    'http://127.0.0.1:3000@evil.example/console/',
    'http://evil@127.0.0.1:3000/console/',
    'http://127.0.0.1.evil.example:3000/console/',
    '//127.0.0.1:3000/console/',
    'javascript:alert(1)//127.0.0.1:3000/console/',
    '',
    undefined,
  ])('refuses %s', (uri) => {
    expect(list.check(uri)).toBeUndefined();
  });

  it('matches a prefix without a trailing slash on a path boundary', () => {
    const bare = new RedirectAllowList(['http://127.0.0.1:3000/console']);
    expect(bare.check('http://127.0.0.1:3000/console')).toBeDefined();
    expect(bare.check('http://127.0.0.1:3000/console/x')).toBeDefined();
    expect(bare.check('http://127.0.0.1:3000/consolex')).toBeUndefined();
  });

  it('gives the origins for CORS', () => {
    expect(list.origins()).toEqual(['http://127.0.0.1:3000', 'http://localhost:3000']);
  });

  it('refuses to be configured with something that is not an origin and path', () => {
    expect(() => new RedirectAllowList(['not a url'])).toThrow(/not a URL/);
    expect(() => new RedirectAllowList(['http://127.0.0.1:3000/console/#x'])).toThrow(/origin and path/);
    expect(() => devOidcRedirects({ DEV_OIDC_REDIRECTS: 'ftp://x/' })).toThrow(/origin and path/);
  });

  it('reads DEV_OIDC_REDIRECTS and DEV_OIDC_PORT', () => {
    expect(devOidcRedirects({})).toEqual(['http://127.0.0.1:3000/console/', 'http://localhost:3000/console/']);
    expect(
      devOidcRedirects({ DEV_OIDC_REDIRECTS: ' http://127.0.0.1:8080/console/ , http://[::1]:8080/console/' }),
    ).toEqual(['http://127.0.0.1:8080/console/', 'http://[::1]:8080/console/']);
    expect(devOidcPort({})).toBe(3999);
    expect(devOidcPort({ DEV_OIDC_PORT: '4999' })).toBe(4999);
    expect(() => devOidcPort({ DEV_OIDC_PORT: 'x' })).toThrow(/not a port/);
  });
});

describe('checkAuthorize', () => {
  const list = new RedirectAllowList(['http://127.0.0.1:3000/console/']);
  const params = (over: Record<string, string> = {}) => {
    const p = new URLSearchParams({
      client_id: 'ctp-console',
      redirect_uri: 'http://127.0.0.1:3000/console/',
      response_type: 'code',
      scope: 'openid registry:read',
      state: 's1',
      code_challenge: RFC_CHALLENGE,
      code_challenge_method: 'S256',
      ...over,
    });
    for (const [k, v] of Object.entries(over)) if (v === '') p.delete(k);
    return p;
  };

  it('accepts a code request with PKCE S256', () => {
    expect(checkAuthorize(params(), 'ctp-console', list)).toMatchObject({
      ok: { state: 's1', codeChallenge: RFC_CHALLENGE, redirectUri: 'http://127.0.0.1:3000/console/' },
    });
  });

  it('says on its own page, never at the redirect URI, that the client or the redirect URI is wrong', () => {
    expect(checkAuthorize(params({ client_id: 'other' }), 'ctp-console', list)).toHaveProperty('page');
    expect(
      checkAuthorize(params({ redirect_uri: 'https://evil.example/console/' }), 'ctp-console', list),
    ).toHaveProperty('page');
  });

  it.each([
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ code_challenge_method: 'plain' }, 'invalid_request'],
    [{ code_challenge_method: '' }, 'invalid_request'],
    [{ code_challenge: '' }, 'invalid_request'],
    [{ code_challenge: 'not-a-digest' }, 'invalid_request'],
    [{ prompt: 'none' }, 'login_required'],
  ])('redirects %j back with %s and the state', (over, error) => {
    expect(checkAuthorize(params(over), 'ctp-console', list)).toMatchObject({ error, state: 's1' });
  });
});

describe('profiles', () => {
  it('grant the profile scopes the client asked for', () => {
    const all = 'openid registry:read registry:read-restricted overlaps:decide ops:read';
    expect(PROFILES.map((p) => grantedScope(p, all))).toEqual([
      'registry:read-restricted overlaps:decide ops:read',
      'registry:read',
      'ops:read',
    ]);
    expect(grantedScope(PROFILES[0], 'openid ops:read')).toBe('ops:read');
    expect(grantedScope(PROFILES[2], 'openid registry:read')).toBe('');
  });

  it('make the subject dev:<name>', () => {
    expect(subjectFor('Alice')).toBe('dev:alice');
    expect(subjectFor('  Zoë O’Brien-Ngata ')).toBe('dev:zoe-o-brien-ngata');
    expect(subjectFor('---')).toBe('dev:user');
  });
});

describe('startDevOidc', () => {
  it('refuses to start unless explicitly for development', async () => {
    await expect(startDevOidc({ development: false })).rejects.toThrow(/never in production/);
  });
});

describe('the Host header (DNS rebinding)', () => {
  it('names this provider only as 127.0.0.1:<port> or localhost:<port>', () => {
    expect(hostProblem('127.0.0.1:3999', 3999)).toBeUndefined();
    expect(hostProblem('localhost:3999', 3999)).toBeUndefined();
    expect(hostProblem('LocalHost:3999', 3999)).toBeUndefined();
    for (const host of [
      'attacker.example:3999',
      '127.0.0.1.nip.io:3999',
      'localhost.attacker.example:3999',
      '127.0.0.1',
      'localhost',
      '127.0.0.1:4000',
      '[::1]:3999',
      '0.0.0.0:3999',
      '127.0.0.1:3999@attacker.example',
    ]) {
      expect([host, hostProblem(host, 3999)?.status]).toEqual([host, 421]);
    }
    expect(hostProblem('attacker.example:3999', 3999)?.message).toBe(
      'this development provider answers only to Host 127.0.0.1:3999 or localhost:3999, not "attacker.example:3999"',
    );
    expect(hostProblem(undefined, 3999)?.status).toBe(400);
    expect(hostProblem('', 3999)?.status).toBe(400);
  });

  describe('at the running provider', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctp-dev-oidc-'));
    let server: Awaited<ReturnType<typeof startDevOidc>>;
    const lines: string[] = [];

    beforeAll(async () => {
      server = await startDevOidc({
        development: true,
        devIssuer: await ensureDevIssuer(dir),
        port: 0,
        log: (line) => lines.push(line),
      });
    });

    afterAll(async () => {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** GET `path` with this Host header (fetch cannot set Host), on the provider's real address. */
    const get = (path: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path, headers: { Host: host } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });

    it('answers to its own names', async () => {
      for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`]) {
        const res = await get('/.well-known/openid-configuration', host);
        expect([host, res.status]).toEqual([host, 200]);
        expect(JSON.parse(res.body)).toMatchObject({ issuer: server.issuer });
      }
    });

    it('refuses 421 a request for any other name, on every endpoint, saying why', async () => {
      for (const path of ['/.well-known/openid-configuration', '/jwks', '/authorize?client_id=ctp-console']) {
        const res = await get(path, `attacker.example:${server.port}`);
        expect([path, res.status]).toEqual([path, 421]);
        expect(JSON.parse(res.body)).toEqual({
          error: 'misdirected_request',
          error_description: `this development provider answers only to Host 127.0.0.1:${server.port} or localhost:${server.port}, not "attacker.example:${server.port}"`,
        });
      }
      expect(lines.some((l) => l.startsWith('request refused: ') && l.includes('attacker.example'))).toBe(true);
    });
  });
});
