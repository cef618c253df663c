import { BoundedCache } from './bounded-cache';

describe('BoundedCache', () => {
  it('keeps the entries used lately, dropping one not used since half the capacity was stored', () => {
    const cache = new BoundedCache<string, number>(4);
    cache.set('A', 1);
    cache.set('B', 2);
    expect(cache.get('A')).toBe(1); // used again: kept with what comes next
    cache.set('C', 3);
    cache.set('D', 4);
    expect(cache.get('B')).toBeUndefined();
    // The last two used (half the capacity) are kept, whatever is looked up in between.
    expect([cache.get('D'), cache.get('C')]).toEqual([4, 3]);
    cache.set('C', 30);
    expect(cache.get('C')).toBe(30);
  });

  it('never holds more than its capacity, always the last half of it', () => {
    const cache = new BoundedCache<number, number>(1000);
    for (let i = 0; i < 10_000; i++) {
      cache.set(i, i);
      expect(cache.size).toBeLessThanOrEqual(1000);
    }
    for (let i = 10_000 - 500; i < 10_000; i++) expect(cache.get(i)).toBe(i);
    expect(cache.size).toBeGreaterThanOrEqual(500);
  });

  it('forgets a deleted key, and keeps nothing with a capacity of 0', () => {
    const cache = new BoundedCache<string, number>(10);
    cache.set('A', 1);
    cache.delete('A');
    expect(cache.get('A')).toBeUndefined();
    const none = new BoundedCache<string, number>(0);
    none.set('A', 1);
    expect([none.size, none.get('A')]).toEqual([0, undefined]);
  });
});
