import { readFileSync } from 'node:fs';
import { EnvReader } from '@ctp/observability';

/** How a service verifies bearer tokens: whose (issuer), for whom (audience), with which keys and algorithms. */
export interface AuthConfig {
  issuer: string;
  audience: string;
  /** The issuer's JWKS endpoint (an OIDC provider's `jwks_uri`). */
  jwksUrl?: string;
  /** Or a JWKS document on disk (air-gapped sites, the development issuer). */
  jwksFile?: string;
  algorithms: string[];
  clockToleranceSec: number;
  /**
   * The JOSE `typ` an access token must carry (RFC 9068: `at+jwt`), so an ID token or another JWT of the same issuer is
   * not taken for one; empty for a provider that does not set it (then say so in the deployment's notes).
   */
  tokenType?: string;
  /** Requests one identity (org + sub; an address without a token) may make per minute; 0: no limit. */
  rateLimitPerMinute: number;
}

const ALLOWED_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

/**
 * AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL or AUTH_JWKS_FILE, AUTH_ALGORITHMS (default ES256,RS256),
 * AUTH_CLOCK_TOLERANCE_S (default 30). Without an issuer and its keys a service cannot tell anyone apart, so it does not
 * start: deny by default. `npm start` sets them to the development issuer.
 */
export function readAuthConfig(r: EnvReader, env: NodeJS.ProcessEnv): AuthConfig {
  const issuer = env.AUTH_ISSUER ?? '';
  const audience = env.AUTH_AUDIENCE ?? '';
  if (!issuer) r.problems.push('AUTH_ISSUER is required: the issuer (iss) of the bearer tokens to accept');
  if (!audience) r.problems.push('AUTH_AUDIENCE is required: the audience (aud) the tokens must be issued for');
  const jwksUrl = env.AUTH_JWKS_URL || undefined;
  const jwksFile = env.AUTH_JWKS_FILE || undefined;
  if (!jwksUrl && !jwksFile) {
    r.problems.push("AUTH_JWKS_URL or AUTH_JWKS_FILE is required: where the issuer's signing keys are");
  } else if (jwksUrl && jwksFile) {
    r.problems.push('set only one of AUTH_JWKS_URL and AUTH_JWKS_FILE');
  }
  if (jwksUrl) {
    try {
      const u = new URL(jwksUrl);
      if (
        u.protocol !== 'https:' &&
        !(u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
      ) {
        throw new Error();
      }
    } catch {
      r.problems.push(`AUTH_JWKS_URL=${JSON.stringify(jwksUrl)} must be an https:// URL (http:// only on loopback)`);
    }
  }
  if (jwksFile) {
    try {
      const doc = JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys?: unknown };
      if (!Array.isArray(doc.keys) || doc.keys.length === 0) throw new Error('no "keys"');
    } catch (err) {
      r.problems.push(
        `AUTH_JWKS_FILE=${JSON.stringify(jwksFile)} is not a readable JWKS document (${(err as Error).message})`,
      );
    }
  }
  const algorithms = (env.AUTH_ALGORITHMS || 'ES256,RS256')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const bad = algorithms.filter((a) => !ALLOWED_ALGORITHMS.includes(a));
  if (bad.length)
    r.problems.push(`AUTH_ALGORITHMS: ${bad.join(', ')} not allowed (use ${ALLOWED_ALGORITHMS.join(', ')})`);
  const clockToleranceSec = r.int('AUTH_CLOCK_TOLERANCE_S', 30, 0, 300);
  const rateLimitPerMinute = r.int('HTTP_RATE_LIMIT_PER_MINUTE', 3000, 0, 10_000_000);
  const tokenType = env.AUTH_TOKEN_TYPE === undefined ? 'at+jwt' : env.AUTH_TOKEN_TYPE || undefined;
  return { issuer, audience, jwksUrl, jwksFile, algorithms, clockToleranceSec, rateLimitPerMinute, tokenType };
}
