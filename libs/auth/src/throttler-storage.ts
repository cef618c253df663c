import { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

/** What `ThrottlerStorage.increment` answers (`ThrottlerStorageRecord`, whose type @nestjs/throttler does not export). */
export interface ThrottlerHit {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/**
 * The hits of one key that have not expired yet: their expiry times in the order they were made, oldest first. With a
 * fixed ttl a later hit never expires before an earlier one, so the expired ones are always at the front: pruning
 * looks only at the front (amortised O(1) per hit) and the oldest live hit is the first one.
 */
class HitLog {
  private expiries: number[] = [];
  private head = 0;

  get size(): number {
    return this.expiries.length - this.head;
  }

  /** The expiry of the oldest live hit (call only when size > 0). */
  get first(): number {
    return this.expiries[this.head];
  }

  /** The expiry of the newest hit, or -Infinity when there is none. */
  get last(): number {
    return this.size > 0 ? this.expiries[this.expiries.length - 1] : -Infinity;
  }

  push(expiresAt: number): void {
    this.expiries.push(expiresAt);
  }

  /** Forgets the hits that expired at or before `now` (those at the front; see above). */
  prune(now: number): void {
    while (this.head < this.expiries.length && this.expiries[this.head] <= now) this.head++;
    // The array keeps the forgotten entries until they are the larger half: then it is copied without them.
    if (this.head > 1024 && this.head * 2 >= this.expiries.length) {
      this.expiries = this.expiries.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.expiries = [];
    this.head = 0;
  }
}

interface KeyRecord {
  expiresAt: number;
  blockExpiresAt: number;
  isBlocked: boolean;
  hits: HitLog;
}

/**
 * The throttler's in-memory storage with @nestjs/throttler's own semantics (a sliding log of hits per key, each
 * expiring `ttl` ms after it was made; over `limit`, the key is blocked for `blockDuration` ms, then starts afresh)
 * at O(1) per request instead of O(hits in the window): the library's ThrottlerStorageService filters a key's whole
 * list of hits and spreads it into Math.min on every request, which for one busy client (a regional system at a few
 * hundred requests per second, up to `limit` hits kept per minute) cost more CPU than the rest of the guard chain.
 * The answers are the library's, call for call (throttler-storage.spec.ts compares both on the same sequence).
 * Keys are per throttler name here (the guard's keys already name it: IdentityThrottlerGuard.generateKey).
 */
export class SlidingLogThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly records = new Map<string, KeyRecord>();
  private sweep?: NodeJS.Timeout;

  constructor(private readonly sweepIntervalMs = 60_000) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerHit> {
    return this.hit(`${throttlerName}\u0000${key}`, ttl, limit, blockDuration);
  }

  /** The same as increment, synchronous (what it does needs no waiting). */
  hit(id: string, ttl: number, limit: number, blockDuration: number, now = Date.now()): ThrottlerHit {
    this.sweep ??= setInterval(() => this.evictIdle(), this.sweepIntervalMs).unref();
    let rec = this.records.get(id);
    if (!rec) {
      rec = { expiresAt: now + ttl, blockExpiresAt: 0, isBlocked: false, hits: new HitLog() };
      this.records.set(id, rec);
    }
    rec.hits.prune(now);
    let timeToExpire = Math.ceil((rec.expiresAt - now) / 1000);
    if (timeToExpire <= 0) {
      rec.expiresAt = now + ttl;
      timeToExpire = Math.ceil((rec.expiresAt - now) / 1000);
    }
    if (blockDuration <= 0) {
      const isBlocked = rec.hits.size >= limit;
      if (!isBlocked) rec.hits.push(now + ttl);
      const timeToBlockExpire = rec.hits.size > 0 ? Math.ceil((rec.hits.first - now) / 1000) : timeToExpire;
      return {
        totalHits: rec.hits.size + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: isBlocked ? timeToBlockExpire : 0,
      };
    }
    if (!rec.isBlocked) rec.hits.push(now + ttl);
    if (rec.hits.size > limit && !rec.isBlocked) {
      rec.isBlocked = true;
      rec.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = Math.ceil((rec.blockExpiresAt - now) / 1000);
    if (timeToBlockExpire <= 0 && rec.isBlocked) {
      rec.isBlocked = false;
      rec.hits.clear();
      rec.hits.push(now + ttl);
    }
    return { totalHits: rec.hits.size, timeToExpire, isBlocked: rec.isBlocked, timeToBlockExpire };
  }

  /** Keys not blocked, past their window and without a live hit are forgotten (as the library's sweep does). */
  evictIdle(now = Date.now()): void {
    for (const [id, rec] of this.records) {
      if (rec.isBlocked && rec.blockExpiresAt > now) continue;
      if (rec.expiresAt > now) continue;
      if (rec.hits.last > now) continue;
      this.records.delete(id);
    }
  }

  /** How many keys are remembered (for tests). */
  get keys(): number {
    return this.records.size;
  }

  onApplicationShutdown(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    this.records.clear();
  }
}
