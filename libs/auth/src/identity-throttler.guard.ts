import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { AuthenticatedRequest } from './auth.guard';

/**
 * Rate limits per identity (OWASP API4): runs after the authentication guard, so a request is counted against the
 * organisation and subject of its token — one budget for all of a caller's routes — or, without a valid token,
 * against its address. Health is never limited.
 */
@Injectable()
export class IdentityThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const r = req as unknown as AuthenticatedRequest;
    return r.principal ? `id:${r.principal.org}:${r.principal.sub}` : `ip:${r.ip ?? 'unknown'}`;
  }

  protected override generateKey(_context: ExecutionContext, suffix: string, name: string): string {
    return createHash('sha256').update(`${name}-${suffix}`).digest('hex');
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const url = context.switchToHttp().getRequest<AuthenticatedRequest>().originalUrl ?? '';
    return url.startsWith('/health/');
  }

  protected override async throwThrottlingException(): Promise<void> {
    throw new ThrottlerException('too many requests from this identity: wait for the time in Retry-After');
  }
}
