import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { EnvReader } from '@ctp/observability';
import { AccessRule } from './access';
import { readAuthConfig } from './auth-config';
import { authorize, bearerToken, Forbidden } from './auth.guard';
import { devIssuerEnv, ensureDevIssuer, signToken, DevIssuer } from './dev-issuer';
import { mayReadRestricted, Principal } from './scopes';
import { InvalidToken, TokenVerifier } from './token-verifier';

const who = (org: string, scope: string): Principal => ({ sub: 'x', org, scopes: new Set(scope.split(' ')) });
const rule = (scopes: AccessRule['scopes'], owner: AccessRule['owner']): AccessRule => ({ scopes, owner });

function refusal(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(Forbidden);
    return ((err as Forbidden).getResponse() as { details: { field: string }[] }).details[0].field;
  }
}

describe('authorize', () => {
  it.each([
    // [rule scopes, owner, token org, token scope, own org, params ref, expected refusal field]
    [['initiatives:write'], 'own', 'IP-HUB-EUR', 'initiatives:write', 'IP-HUB-EUR', undefined, undefined],
    [['initiatives:write'], 'own', 'IP-HUB-AFR', 'initiatives:write', 'IP-HUB-EUR', undefined, 'org'],
    [['initiatives:write'], 'own', 'IP-GS-CTP', 'initiatives:write', 'IP-HUB-EUR', undefined, 'org'],
    [['initiatives:write'], 'own', 'IP-HUB-EUR', 'initiatives:read', 'IP-HUB-EUR', undefined, 'scope'],
    [['initiatives:read'], 'own-or-gs', 'IP-GS-CTP', 'initiatives:read', 'IP-HUB-EUR', undefined, undefined],
    [['initiatives:read'], 'own-or-gs', 'IP-HUB-MDE', 'initiatives:read', 'IP-HUB-EUR', undefined, 'org'],
    [['initiatives:read'], 'own-or-gs', 'PT-UNODC', 'initiatives:read', 'IP-HUB-EUR', undefined, 'org'],
    [['partner'], 'partner-param', 'PT-UNODC', 'partner', undefined, 'PT-UNODC', undefined],
    [['partner'], 'partner-param', 'PT-UNODC', 'partner', undefined, 'PT-AFRIPOL', 'org'],
    [['partner', 'partners:admin'], 'partner-param', 'IP-GS-CTP', 'partners:admin', undefined, 'PT-AFRIPOL', undefined],
    [['partner', 'partners:admin'], 'partner-param', 'PT-UNODC', 'partners:admin', undefined, 'PT-AFRIPOL', 'org'],
    // A partner's own writes: INTERPOL's administrator may not make them for it, whatever else its token holds.
    [['partner'], 'partner-param', 'IP-GS-CTP', 'partner partners:admin', undefined, 'PT-AFRIPOL', 'org'],
    [['partner'], 'partner-param', 'IP-GS-CTP', 'partners:admin', undefined, 'PT-AFRIPOL', 'scope'],
    [['partner', 'partners:admin'], 'partner-param', 'PT-UNODC', 'partner', undefined, 'PT-AFRIPOL', 'org'],
    [['partners:admin'], 'interpol', 'IP-GS-CTP', 'partners:admin', undefined, undefined, undefined],
    [['partners:admin'], 'interpol', 'PT-UNODC', 'partners:admin', undefined, undefined, 'org'],
    [['overlaps:decide'], 'gs', 'IP-GS-CTP', 'overlaps:decide', undefined, undefined, undefined],
    [['overlaps:decide'], 'gs', 'IP-HUB-EUR', 'overlaps:decide', undefined, undefined, 'org'],
    [
      ['registry:read', 'registry:read-restricted'],
      'any',
      'PT-UNODC',
      'registry:read',
      undefined,
      undefined,
      undefined,
    ],
    [['registry:read', 'registry:read-restricted'], 'any', 'PT-UNODC', 'partner', undefined, undefined, 'scope'],
    [['ops:read'], 'any', 'IP-GS-CTP', '', undefined, undefined, 'scope'],
  ] as const)('%j %s: %s with "%s" at %s (ref %s) → %s', (scopes, owner, org, scope, ownOrg, ref, expected) => {
    expect(refusal(() => authorize(rule([...scopes], owner), who(org, scope), ownOrg, ref ? { ref } : {}))).toBe(
      expected,
    );
  });

  it('reads restricted records only with the scope AND an INTERPOL organisation', () => {
    expect(mayReadRestricted(who('IP-GS-CTP', 'registry:read-restricted'))).toBe(true);
    expect(mayReadRestricted(who('PT-UNODC', 'registry:read-restricted'))).toBe(false);
    expect(mayReadRestricted(who('IP-GS-CTP', 'registry:read'))).toBe(false);
    expect(mayReadRestricted(undefined)).toBe(false);
  });
});

describe('bearerToken', () => {
  it.each([
    [undefined, 'no Authorization header'],
    ['Basic abc', 'is not "Bearer <token>"'],
    ['Bearer', 'is not "Bearer <token>"'],
    ['Bearer a b', 'is not "Bearer <token>"'],
  ])('%s → %s', (header, message) => {
    expect(() => bearerToken(header)).toThrow(message);
  });

  it('takes the token', () => expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi'));
});

describe('TokenVerifier with the development issuer', () => {
  let dir: string;
  let issuer: DevIssuer;
  let other: DevIssuer;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctp-auth-spec-'));
    issuer = await ensureDevIssuer(join(dir, 'a'));
    other = await ensureDevIssuer(join(dir, 'b'));
    verifier = new TokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksFile: issuer.jwksFile,
      algorithms: ['ES256'],
      clockToleranceSec: 30,
      rateLimitPerMinute: 0,
      tokenType: 'at+jwt',
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts its tokens and reads sub, org and scopes', async () => {
    const p = await verifier.verify(
      await signToken(issuer, { org: 'IP-HUB-EUR', scope: 'initiatives:read initiatives:write', sub: 'eur-system' }),
    );
    expect(p).toEqual({
      sub: 'eur-system',
      org: 'IP-HUB-EUR',
      scopes: new Set(['initiatives:read', 'initiatives:write']),
    });
  });

  it('keeps the same key pair across calls (created once)', async () => {
    expect((await ensureDevIssuer(join(dir, 'a'))).privateJwk).toEqual(issuer.privateJwk);
  });

  it.each([
    ['expired', { expiresAt: Math.floor(Date.now() / 1000) - 120 }, 'expired'],
    ['another issuer', { issuer: 'https://elsewhere' }, 'another issuer'],
    ['another audience', { audience: 'other' }, 'another audience'],
    ['a bad org claim', { org: 'hub eur' }, '"org"'],
  ])('refuses a token with %s', async (_, extra, message) => {
    const token = await signToken(issuer, { org: 'IP-HUB-EUR', scope: 'x', ...extra });
    await expect(verifier.verify(token)).rejects.toThrow(InvalidToken);
    await expect(verifier.verify(token)).rejects.toThrow(message);
  });

  it("refuses another key's signature and a tampered payload", async () => {
    await expect(
      verifier.verify(await signToken({ ...other, issuer: issuer.issuer }, { org: 'IP-GS-CTP', scope: 'x' })),
    ).rejects.toThrow(/key the issuer does not publish|signature/);
    const [h, , s] = (await signToken(issuer, { org: 'PT-UNODC', scope: 'partner' })).split('.');
    const forged = Buffer.from(
      JSON.stringify({
        iss: issuer.issuer,
        aud: issuer.audience,
        sub: 'x',
        org: 'IP-GS-CTP',
        scope: 'registry:read-restricted',
        exp: 9999999999,
      }),
    ).toString('base64url');
    await expect(verifier.verify(`${h}.${forged}.${s}`)).rejects.toThrow('signature');
  });

  it('refuses a JWT of the issuer that is not an access token (typ other than at+jwt)', async () => {
    const idToken = await new SignJWT({ org: 'IP-GS-CTP', scope: 'registry:read-restricted' })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: issuer.privateJwk.kid })
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setSubject('x')
      .setExpirationTime('1h')
      .sign(await importJWK(issuer.privateJwk, 'ES256'));
    await expect(verifier.verify(idToken)).rejects.toThrow('not an access token');
  });

  it('remembers a verified token until it expires, and no longer', async () => {
    const now = Math.floor(Date.now() / 1000);
    const short = await signToken(issuer, { org: 'IP-HUB-EUR', scope: 'x', expiresAt: now + 1 });
    const strict = new TokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksFile: issuer.jwksFile,
      algorithms: ['ES256'],
      clockToleranceSec: 0,
      rateLimitPerMinute: 0,
      tokenType: 'at+jwt',
    });
    expect((await strict.verify(short)).org).toBe('IP-HUB-EUR');
    expect((await strict.verify(short)).org).toBe('IP-HUB-EUR');
    await new Promise((r) => setTimeout(r, 2100));
    await expect(strict.verify(short)).rejects.toThrow('expired');
  });

  it('refuses an unsigned token (alg none)', async () => {
    const none = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${none({ alg: 'none' })}.${none({ iss: issuer.issuer, aud: issuer.audience, sub: 'x', org: 'IP-GS-CTP', exp: 9999999999 })}.`;
    await expect(verifier.verify(token)).rejects.toThrow(InvalidToken);
  });
});

describe('readAuthConfig', () => {
  it('names every missing setting', () => {
    const r = new EnvReader({});
    readAuthConfig(r, {});
    expect(r.problems.join('\n')).toMatch(/AUTH_ISSUER[\s\S]*AUTH_AUDIENCE[\s\S]*AUTH_JWKS_URL or AUTH_JWKS_FILE/);
  });

  it('refuses plain http JWKS URLs off loopback, unknown algorithms and unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctp-auth-cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{"nokeys":1}');
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ AUTH_JWKS_URL: 'http://idp.example/jwks' }, /must be an https/],
      [{ AUTH_JWKS_FILE: join(dir, 'bad.json') }, /not a readable JWKS/],
      [{ AUTH_JWKS_FILE: join(dir, 'none.json') }, /not a readable JWKS/],
      [{ AUTH_JWKS_URL: 'https://a/jwks', AUTH_JWKS_FILE: join(dir, 'bad.json') }, /only one of/],
      [{ AUTH_JWKS_URL: 'https://a/jwks', AUTH_ALGORITHMS: 'HS256,none' }, /HS256, none not allowed/],
    ];
    for (const [env, problem] of cases) {
      const r = new EnvReader(env);
      readAuthConfig(r, { AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', ...env });
      expect(r.problems.join('\n')).toMatch(problem);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the development issuer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctp-auth-dev-'));
    const env = devIssuerEnv(await ensureDevIssuer(dir));
    const r = new EnvReader(env);
    const c = readAuthConfig(r, env);
    expect(r.problems).toEqual([]);
    expect(c).toMatchObject({ issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE, jwksFile: env.AUTH_JWKS_FILE });
    rmSync(dir, { recursive: true, force: true });
  });
});
