import { CanActivate, ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ACCESS_RULE, AccessRule, ownerText } from './access';
import { Principal } from './scopes';
import { InvalidToken, TokenVerifier } from './token-verifier';

export const OWN_ORG = Symbol('CTP_OWN_ORG');
export const GENERAL_SECRETARIAT = 'IP-GS-CTP';

/** The request's verified principal, set by the guard (and read by the request log line). */
export type AuthenticatedRequest = Request & { principal?: Principal };

export class Unauthorized extends HttpException {
  constructor(reason: string) {
    super(
      {
        statusCode: 401,
        error: 'Unauthorized',
        message: `a valid bearer token is required: ${reason}`,
        details: [{ field: 'Authorization', rule: 'bearerToken', message: reason }],
      },
      401,
    );
  }
}

export class Forbidden extends HttpException {
  constructor(field: string, rule: string, message: string) {
    super({ statusCode: 403, error: 'Forbidden', message, details: [{ field, rule, message }] }, 403);
  }
}

/** The bearer token of a request, or why there is none usable. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw new InvalidToken('no Authorization header');
  const m = /^Bearer ([A-Za-z0-9_.~+/-]+=*)$/.exec(header);
  if (!m) throw new InvalidToken('the Authorization header is not "Bearer <token>"');
  return m[1];
}

/**
 * The global guard: every HTTP route declares its rule (@Access or @Public); a route without one is refused to
 * everyone. 401 when the token is missing or invalid, 403 when it is valid but lacks the scope or the organisation.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    @Inject(OWN_ORG) private readonly ownOrg: string | undefined,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // event handlers: NATS permissions guard those
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (rule?.public) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    let principal: Principal;
    try {
      principal = await this.verifier.verify(bearerToken(req.header('authorization')));
    } catch (err) {
      if (err instanceof InvalidToken) throw new Unauthorized(err.message);
      throw err;
    }
    req.principal = principal;
    if (!rule) throw new Forbidden('route', 'accessRule', 'this route declares no access rule: refused to everyone');
    authorize(rule, principal, this.ownOrg, (req.params ?? {}) as Record<string, string>);
    return true;
  }
}

/** Throws Forbidden unless `principal` may use a route with `rule` (pure: unit-tested with many cases). */
export function authorize(
  rule: AccessRule,
  p: Principal,
  ownOrg: string | undefined,
  params: Record<string, string>,
): void {
  if (!rule.scopes.some((s) => p.scopes.has(s))) {
    throw new Forbidden(
      'scope',
      'requiredScope',
      `needs scope ${rule.scopes.join(' or ')}; the token has ${[...p.scopes].join(' ') || 'none'}`,
    );
  }
  const ok = (() => {
    switch (rule.owner) {
      case 'any':
        return true;
      case 'own':
        return ownOrg !== undefined && p.org === ownOrg;
      case 'own-or-gs':
        return (ownOrg !== undefined && p.org === ownOrg) || p.org === GENERAL_SECRETARIAT;
      case 'partner-param':
        // Either the partner itself, with the route's `partner` scope; or INTERPOL's administrator, where the route
        // allows `partners:admin` (never on a partner's own writes: nobody speaks for another organisation).
        return (
          (rule.scopes.includes('partner') && p.scopes.has('partner') && params.ref === p.org) ||
          (rule.scopes.includes('partners:admin') && p.scopes.has('partners:admin') && /^IP-/.test(p.org))
        );
      case 'interpol':
        return /^IP-/.test(p.org);
      case 'gs':
        return p.org === GENERAL_SECRETARIAT;
    }
  })();
  if (!ok) {
    throw new Forbidden(
      'org',
      'ownOrganisation',
      `organisation ${p.org} may not use this route: it needs ${ownerText(rule.owner)}`,
    );
  }
}
