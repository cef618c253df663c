import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, JWTPayload, jwtVerify } from 'jose';
import { BoundedCache } from '@ctp/contracts';
import { AuthConfig } from './auth-config';
import { Principal } from './scopes';

/** Why a token was not accepted: said to the caller (never the token itself). */
export class InvalidToken extends Error {}

const ORG_PATTERN = /^(IP|PT)-[A-Z0-9-]{2,40}$/;

/** Verifies bearer tokens (JWT access tokens, RFC 9068 profile) against the configured issuer's keys. */
export class TokenVerifier {
  private readonly keys: ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;
  /**
   * Tokens already verified, until they expire: a client sends the same token with every request for its lifetime,
   * and checking its signature each time was most of what authentication cost per request. A token is immutable, so
   * what was verified once stays verified until `exp`; the cache is bounded (BoundedCache: those used lately stay).
   */
  private readonly verified = new BoundedCache<string, { principal: Principal; expiresAtMs: number }>(10_000);

  constructor(private readonly config: AuthConfig) {
    this.keys = config.jwksUrl
      ? createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 })
      : createLocalJWKSet(
          JSON.parse(readFileSync(config.jwksFile!, 'utf8')) as Parameters<typeof createLocalJWKSet>[0],
        );
  }

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs + this.config.clockToleranceSec * 1000) return known.principal;
      this.verified.delete(token);
    }
    return this.verifyAfresh(token);
  }

  private async verifyAfresh(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: this.config.clockToleranceSec,
        requiredClaims: ['exp', 'sub'],
        ...(this.config.tokenType ? { typ: this.config.tokenType } : {}),
      }));
    } catch (err) {
      throw new InvalidToken(describe(err));
    }
    const org = payload.org;
    if (typeof org !== 'string' || !ORG_PATTERN.test(org)) {
      throw new InvalidToken('the token has no valid "org" claim (e.g. IP-HUB-EUR, PT-UNODC)');
    }
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    const principal: Principal = { sub: String(payload.sub), org, scopes: new Set(scope.split(' ').filter(Boolean)) };
    this.verified.set(token, { principal, expiresAtMs: (payload.exp as number) * 1000 });
    return principal;
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'the token was issued by another issuer';
    if (err.claim === 'aud') return 'the token is for another audience';
    if (err.claim === 'nbf') return 'the token is not valid yet';
    if (err.claim === 'typ') return 'the token is not an access token (its typ is not at+jwt)';
    return `the token's "${err.claim}" claim is not acceptable`;
  }
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'typ')
    return 'the token is not an access token (typ)';
  if (err instanceof errors.JOSEAlgNotAllowed) return "the token's signing algorithm is not allowed";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token is signed by a key the issuer does not publish';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'the token is not a valid JWT';
  if (err instanceof errors.JWKSTimeout) return "the issuer's keys could not be fetched in time";
  return 'the token could not be verified';
}
