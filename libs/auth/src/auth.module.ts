import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthConfig } from './auth-config';
import { AuthGuard, OWN_ORG } from './auth.guard';
import { TokenVerifier } from './token-verifier';
import { IdentityThrottlerGuard } from './identity-throttler.guard';
import { ThrottlerModule } from '@nestjs/throttler';
import { SlidingLogThrottlerStorage } from './throttler-storage';

export interface AuthModuleOptions {
  config: AuthConfig;
  /** The organisation this service belongs to (a hub's IP-HUB-<R>; none for the platform and partner-liaison). */
  ownOrg?: string;
}

/** Bearer tokens on every HTTP route of the service: the global guard, deny by default. */
@Global()
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, options.config.rateLimitPerMinute) }],
          // The library's semantics at O(1) per request (its own storage scans every hit of the minute each time).
          storage: new SlidingLogThrottlerStorage(),
        }),
      ],
      providers: [
        { provide: TokenVerifier, useValue: new TokenVerifier(options.config) },
        { provide: OWN_ORG, useValue: options.ownOrg },
        // Order matters: authentication first, so the throttler counts per identity.
        { provide: APP_GUARD, useClass: AuthGuard },
        ...(options.config.rateLimitPerMinute > 0 ? [{ provide: APP_GUARD, useClass: IdentityThrottlerGuard }] : []),
      ],
      exports: [TokenVerifier, OWN_ORG],
    };
  }
}

/** A service that serves HTTP must know how to verify tokens: otherwise it refuses to start (deny by default). */
export function requireAuth(config: AuthConfig | undefined, service: string): AuthConfig {
  if (!config)
    throw new Error(`${service}: serving HTTP needs AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL or AUTH_JWKS_FILE`);
  return config;
}
