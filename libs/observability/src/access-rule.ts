import { SetMetadata } from '@nestjs/common';

/**
 * What a route needs, read by the authentication guard (@ctp/auth, which builds its decorators on this): the scope(s)
 * and whose data it touches, or `public`. Defined here so that this library's own routes (health, metrics) declare
 * theirs without depending on the auth library.
 */
export interface AccessRule {
  /** Served to anyone, token or not (health only). */
  public?: boolean;
  /** Any of these scopes is enough. */
  scopes: string[];
  owner: 'any' | 'own' | 'own-or-gs' | 'partner-param' | 'interpol' | 'gs';
}

export const ACCESS_RULE = 'ctp:access-rule';

export function SetAccessRule(rule: AccessRule): MethodDecorator & ClassDecorator {
  return SetMetadata(ACCESS_RULE, rule);
}
