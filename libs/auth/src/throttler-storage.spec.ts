import { ThrottlerStorageService } from '@nestjs/throttler';
import { SlidingLogThrottlerStorage } from './throttler-storage';

/** A small deterministic PRNG, so that a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('SlidingLogThrottlerStorage', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-03T08:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it.each([
    // [seed, limit, ttl ms, blockDuration ms]
    [1, 5, 1_000, 1_000],
    [2, 20, 3_000, 500],
    [3, 3, 2_000, 0],
    [4, 50, 60_000, 60_000],
    [5, 1, 700, 2_500],
  ])(
    'answers exactly as @nestjs/throttler storage, call for call (seed %i, limit %i, ttl %i, block %i)',
    async (seed, limit, ttl, block) => {
      const library = new ThrottlerStorageService();
      const ours = new SlidingLogThrottlerStorage();
      const rnd = prng(seed);
      const keys = ['a', 'b', 'c'];
      let blocked = 0;
      try {
        for (let i = 0; i < 3_000; i++) {
          // Bursts (same millisecond), small steps and pauses longer than the window.
          const r = rnd();
          jest.setSystemTime(
            Date.now() + (r < 0.4 ? 0 : r < 0.99 ? Math.floor(rnd() * 60) : Math.floor(rnd() * ttl * 2)),
          );
          const key = keys[Math.floor(rnd() * keys.length)];
          const expected = await library.increment(key, ttl, limit, block, 'default');
          const actual = await ours.increment(key, ttl, limit, block, 'default');
          expect({ i, ...actual }).toEqual({ i, ...expected });
          if (actual.isBlocked) blocked++;
        }
      } finally {
        library.onApplicationShutdown();
        ours.onApplicationShutdown();
      }
      // The sequence reached the limit (otherwise it would not test blocking).
      expect(blocked).toBeGreaterThan(0);
    },
  );

  it('counts hits per key and per throttler name, and forgets them when they expire', async () => {
    const s = new SlidingLogThrottlerStorage();
    try {
      await s.increment('k', 1_000, 10, 1_000, 'default');
      await s.increment('k', 1_000, 10, 1_000, 'default');
      expect((await s.increment('k', 1_000, 10, 1_000, 'default')).totalHits).toBe(3);
      expect((await s.increment('other', 1_000, 10, 1_000, 'default')).totalHits).toBe(1);
      expect((await s.increment('k', 1_000, 10, 1_000, 'burst')).totalHits).toBe(1);
      jest.setSystemTime(Date.now() + 1_000);
      expect((await s.increment('k', 1_000, 10, 1_000, 'default')).totalHits).toBe(1);
    } finally {
      s.onApplicationShutdown();
    }
  });

  it('blocks past the limit for blockDuration, then starts afresh', async () => {
    const s = new SlidingLogThrottlerStorage();
    try {
      for (let i = 0; i < 3; i++) expect((await s.increment('k', 10_000, 3, 5_000, 'default')).isBlocked).toBe(false);
      const over = await s.increment('k', 10_000, 3, 5_000, 'default');
      expect(over).toMatchObject({ isBlocked: true, totalHits: 4, timeToBlockExpire: 5 });
      jest.setSystemTime(Date.now() + 4_999);
      expect((await s.increment('k', 10_000, 3, 5_000, 'default')).isBlocked).toBe(true);
      jest.setSystemTime(Date.now() + 1);
      expect(await s.increment('k', 10_000, 3, 5_000, 'default')).toMatchObject({ isBlocked: false, totalHits: 1 });
    } finally {
      s.onApplicationShutdown();
    }
  });

  it('keeps a busy key cheap: 100,000 hits in one window cost O(1) each', () => {
    const s = new SlidingLogThrottlerStorage();
    try {
      const started = process.hrtime.bigint();
      let last;
      for (let i = 0; i < 100_000; i++) {
        if (i % 100 === 0) jest.setSystemTime(Date.now() + 1);
        last = s.hit('busy', 60_000, 10_000_000, 60_000);
      }
      expect(last!.totalHits).toBe(100_000);
      // The library's storage takes minutes for this (each hit scans all the earlier ones); a sliding log with its
      // expired hits at the front takes well under a second even on a slow shared machine.
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2_000);
    } finally {
      s.onApplicationShutdown();
    }
  });

  it('evicts idle keys only once their window, block and hits have all expired', async () => {
    const s = new SlidingLogThrottlerStorage();
    try {
      await s.increment('a', 1_000, 1, 5_000, 'default');
      await s.increment('a', 1_000, 1, 5_000, 'default'); // blocked until +5 s
      await s.increment('b', 1_000, 10, 1_000, 'default');
      jest.setSystemTime(Date.now() + 1_000);
      s.evictIdle();
      expect(s.keys).toBe(1); // 'a' is still blocked
      jest.setSystemTime(Date.now() + 4_000);
      s.evictIdle();
      expect(s.keys).toBe(0);
    } finally {
      s.onApplicationShutdown();
    }
  });
});
