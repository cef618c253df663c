import { join } from 'node:path';
import { DevIssuer, devIssuerEnv, ensureDevIssuer, signToken, TokenRequest } from '@ctp/auth';
import { ROOT, ServiceProcess, serviceAt } from './services';

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

/**
 * Who really makes a call to `path` at `service`, as the headers of that caller's token: at a hub, the hub's own
 * system (its writes are its own; it reads its own records); at the platform, the General Secretariat's analyst; at
 * partner-liaison, the partner of the path for its own data (`/partners/:ref/…`) and INTERPOL's partners administrator
 * for the registry (`/partners`, `/partners/:ref`) and `/audit`; anywhere, an operator for `/metrics` and `/docs`.
 */
export function callerFor(service: Pick<ServiceProcess, 'app' | 'env'>, path: string): Promise<Record<string, string>> {
  const route = path.split('?')[0];
  if (route === '/metrics' || route.startsWith('/docs')) return as.operator();
  switch (service.app) {
    case 'hub': {
      if (!service.env.HUB_REGION) throw new Error('a hub started without HUB_REGION: whose hub is it?');
      return as.hub(service.env.HUB_REGION);
    }
    case 'platform':
      return as.analyst();
    case 'partner-liaison': {
      const own = /^\/partners\/([^/]+)\/./.exec(route);
      return own ? as.partner(decodeURIComponent(own[1])) : as.partnersAdmin();
    }
  }
}

/** The caller of `url` (see callerFor), found by the service this test process started there. */
export function callerAt(url: string): Promise<Record<string, string>> {
  const service = serviceAt(url);
  if (!service) throw new Error(`no service started by this process listens at ${url}: pass the Authorization header`);
  return callerFor(service, new URL(url).pathname);
}

/** Whether `headers` already name a token (then the helpers send that one, not the default caller's). */
export function hasAuthorization(headers: Record<string, string>): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
}
