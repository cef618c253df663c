import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { BoundedCache } from '@ctp/contracts';
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

  /** Keys already hashed, by `name-suffix`: a caller sends many requests a minute, its key is hashed once. */
  private readonly keys = new BoundedCache<string, string>(10_000);
  private static readonly KEY_CACHE_MAX_LENGTH = 300;

  protected override generateKey(_context: ExecutionContext, suffix: string, name: string): string {
    const plain = `${name}-${suffix}`;
    // A long tracker (a token's sub may be long) is hashed every time rather than kept.
    if (plain.length > IdentityThrottlerGuard.KEY_CACHE_MAX_LENGTH) return sha256Hex(plain);
    let key = this.keys.get(plain);
    if (key === undefined) {
      key = sha256Hex(plain);
      // Bounded (BoundedCache): a key not used lately leaves, and is hashed again if it comes back.
      this.keys.set(plain, key);
    }
    return key;
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

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
