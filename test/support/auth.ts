import { join } from 'node:path';
import { DevIssuer, devIssuerEnv, ensureDevIssuer, signToken, TokenRequest } from '@ctp/auth';
import { ROOT } from './services';

/**
 * The tests' token issuer: the same development issuer code as `npm run token`, with its own key pair under .tmp/,
 * so every request a test makes carries a real signed token verified exactly as in production.
 */
let issuer: Promise<DevIssuer> | undefined;

export function testIssuer(): Promise<DevIssuer> {
  issuer ??= ensureDevIssuer(join(ROOT, '.tmp', 'test-issuer'));
  return issuer;
}

/** What a service needs in its environment to accept the tests' tokens. */
export async function authEnv(): Promise<Record<string, string>> {
  return devIssuerEnv(await testIssuer());
}

export async function tokenFor(org: string, scope: string, extra: Partial<TokenRequest> = {}): Promise<string> {
  return signToken(await testIssuer(), { org, scope, sub: `test:${org.toLowerCase()}`, ...extra });
}

/** `{ authorization: 'Bearer …' }` for `org` with `scope`. */
export async function bearer(
  org: string,
  scope: string,
  extra: Partial<TokenRequest> = {},
): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor(org, scope, extra)}` };
}

/** Tokens the tests use most: a hub system of `region`, an analyst who may read everything, an operator, a partner. */
export const as = {
  hub: (region: string) => bearer(`IP-HUB-${region.toUpperCase()}`, 'initiatives:read initiatives:write'),
  analyst: () => bearer('IP-GS-CTP', 'registry:read-restricted overlaps:decide ops:read'),
  operator: () => bearer('IP-GS-CTP', 'ops:read ops:write registry:read-restricted'),
  partnersAdmin: () => bearer('IP-GS-CTP', 'partners:admin'),
  partner: (ref: string) => bearer(ref, 'partner'),
};
