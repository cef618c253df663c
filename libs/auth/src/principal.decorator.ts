import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './auth.guard';
import { Principal } from './scopes';

/** The verified caller of this request (set by the guard; every non-public route has one). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const p = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!p) throw new Error('no principal on a route that requires one: is the route @Public()?');
  return p;
});

/** Who made a change, as recorded with it. */
export interface Actor {
  sub: string;
  org: string;
}

export function actorOf(p: Principal): Actor {
  return { sub: p.sub, org: p.org };
}
