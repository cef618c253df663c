import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';

/**
 * The development issuer: an ES256 key pair kept in a folder git ignores (`.ctp/dev-issuer/`), created on first use,
 * so that on a development machine and in the tests every request carries a real signed token verified exactly as
 * in production. Production sites configure their own OIDC provider (AUTH_ISSUER, AUTH_JWKS_URL) instead.
 */
export const DEV_ISSUER = 'https://dev-issuer.ctp.local';
export const DEV_AUDIENCE = 'ctp-coordination';

export interface DevIssuer {
  issuer: string;
  audience: string;
  jwksFile: string;
  privateJwk: JWK;
}

export async function ensureDevIssuer(dir: string): Promise<DevIssuer> {
  const privateFile = join(dir, 'signing-key.jwk.json');
  const jwksFile = join(dir, 'jwks.json');
  if (!existsSync(privateFile) || !existsSync(jwksFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = randomUUID();
    const priv = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
    const pub = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    writeFileSync(privateFile, JSON.stringify(priv), { mode: 0o600 });
    chmodSync(privateFile, 0o600);
    writeFileSync(jwksFile, JSON.stringify({ keys: [pub] }, null, 2));
  }
  return {
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    jwksFile,
    privateJwk: JSON.parse(readFileSync(privateFile, 'utf8')) as JWK,
  };
}

/** The environment a service needs to accept the development issuer's tokens. */
export function devIssuerEnv(issuer: DevIssuer): Record<string, string> {
  return { AUTH_ISSUER: issuer.issuer, AUTH_AUDIENCE: issuer.audience, AUTH_JWKS_FILE: issuer.jwksFile };
}

export interface TokenRequest {
  org: string;
  scope: string;
  sub?: string;
  /** Lifetime in seconds (default one hour). */
  ttlSec?: number;
  /** Overrides, for tests of refusals: another issuer or audience, an expiry in the past. */
  issuer?: string;
  audience?: string;
  expiresAt?: number;
}

export async function signToken(issuer: DevIssuer, t: TokenRequest): Promise<string> {
  const key = await importJWK(issuer.privateJwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ org: t.org, scope: t.scope, client_id: t.sub ?? `dev:${t.org.toLowerCase()}` })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: issuer.privateJwk.kid })
    .setIssuer(t.issuer ?? issuer.issuer)
    .setAudience(t.audience ?? issuer.audience)
    .setSubject(t.sub ?? `dev:${t.org.toLowerCase()}`)
    .setIssuedAt(now)
    .setJti(randomUUID())
    .setExpirationTime(t.expiresAt ?? now + (t.ttlSec ?? 3600))
    .sign(key);
}
