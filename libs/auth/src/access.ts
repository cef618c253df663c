import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ACCESS_RULE, AccessRule } from '@ctp/observability';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Scope } from './scopes';

/**
 * Whose data a route touches, besides the scope it needs:
 *  - `any`: the scope is enough (an analyst reading the registry; an administrator registering partners);
 *  - `own`: the token's organisation must be this service's own (a hub's writes: IP-HUB-EUR at the eur hub);
 *  - `own-or-gs`: this service's own organisation, or the General Secretariat (IP-GS-CTP) reading every hub;
 *  - `partner-param`: the `:ref` in the path must be the token's organisation (a partner's own data); holders of
 *    `partners:admin` at INTERPOL may act on every partner;
 *  - `interpol`: an INTERPOL organisation (IP-*) only;
 *  - `gs`: the General Secretariat (IP-GS-CTP) only: analysts' decisions.
 */
export type Owner = AccessRule['owner'];
export { ACCESS_RULE, AccessRule };

/** The scope a route needs and whose data it touches; a route without one is refused to everyone (deny by default). */
export function Access(scope: Scope | Scope[], owner: Owner = 'any'): MethodDecorator & ClassDecorator {
  const scopes = Array.isArray(scope) ? scope : [scope];
  return applyDecorators(
    SetMetadata(ACCESS_RULE, { scopes, owner } satisfies AccessRule),
    ApiBearerAuth('bearer'),
    ApiExtension('x-ctp-access', { scopes, owner }),
    ApiUnauthorizedResponse({
      description: 'No token, or an invalid one (expired, another issuer or audience, bad signature)',
    }),
    ApiForbiddenResponse({
      description: `Needs scope ${scopes.join(' or ')}${owner === 'any' ? '' : ` and ${ownerText(owner)}`}`,
    }),
  );
}

/** Open without a token: /health/live and /health/ready, and the platform's console settings (GET /console/config.json). */
export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(ACCESS_RULE, { public: true, scopes: [], owner: 'any' } satisfies AccessRule);
}

export function ownerText(owner: Owner): string {
  switch (owner) {
    case 'own':
      return "this service's own organisation";
    case 'own-or-gs':
      return "this service's own organisation or IP-GS-CTP";
    case 'partner-param':
      return 'the partner of the path (its own token), or partners:admin';
    case 'interpol':
      return 'an INTERPOL organisation (IP-*)';
    case 'gs':
      return 'the General Secretariat (IP-GS-CTP)';
    default:
      return 'any organisation';
  }
}
