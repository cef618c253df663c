import { createHash } from 'node:crypto';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { IdentityThrottlerGuard } from './identity-throttler.guard';
import { SlidingLogThrottlerStorage } from './throttler-storage';

/** The guard with its key function reachable from the test. */
class Probe extends IdentityThrottlerGuard {
  key(suffix: string, name = 'default'): string {
    return this.generateKey({} as ExecutionContext, suffix, name);
  }
  get cached(): number {
    return (this as unknown as { keys: { size: number } }).keys.size;
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('IdentityThrottlerGuard keys', () => {
  const storage = new SlidingLogThrottlerStorage();
  afterAll(() => storage.onApplicationShutdown());
  const guard = () => new Probe({ throttlers: [] } as ThrottlerModuleOptions, storage, new Reflector());

  it('is the hash of the throttler name and the tracker, the same on every request', () => {
    const g = guard();
    expect(g.key('id:IP-HUB-EUR:alice')).toBe(sha256('default-id:IP-HUB-EUR:alice'));
    expect(g.key('id:IP-HUB-EUR:alice')).toBe(sha256('default-id:IP-HUB-EUR:alice'));
    expect(g.key('id:IP-HUB-EUR:bob')).toBe(sha256('default-id:IP-HUB-EUR:bob'));
    expect(g.key('id:IP-HUB-EUR:alice', 'burst')).toBe(sha256('burst-id:IP-HUB-EUR:alice'));
  });

  it('remembers at most 10,000 keys and still answers right for one that left', () => {
    const g = guard();
    for (let i = 0; i <= 20_000; i++) {
      g.key(`ip:10.0.${i}`);
      if (g.cached > 10_000) throw new Error(`${g.cached} keys kept after ${i + 1}`);
    }
    expect(g.cached).toBeGreaterThanOrEqual(5_000);
    expect(g.key('ip:10.0.0')).toBe(sha256('default-ip:10.0.0'));
    expect(g.cached).toBeLessThanOrEqual(10_000);
  });

  it('hashes a long tracker every time without keeping it', () => {
    const g = guard();
    const long = `id:IP-HUB-EUR:${'s'.repeat(400)}`;
    expect(g.key(long)).toBe(sha256(`default-${long}`));
    expect(g.cached).toBe(0);
  });
});
