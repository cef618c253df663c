import type { MatchCandidate } from '../domain/match-candidate';
import { CandidateCache } from './candidate-cache';

const candidate = (id: string) => ({ initiativeId: id }) as MatchCandidate;

describe('CandidateCache', () => {
  it('answers only for the cached version and first-reported time', () => {
    const cache = new CandidateCache(10);
    const c = candidate('A');
    cache.set('A', 2, '2025-01-01T00:00:00.000Z', c);
    expect(cache.get('A', 2, '2025-01-01T00:00:00.000Z')).toBe(c);
    expect(cache.get('A', 3, '2025-01-01T00:00:00.000Z')).toBeUndefined();
    expect(cache.get('A', 2, '2025-02-01T00:00:00.000Z')).toBeUndefined();
    expect(cache.get('B', 1, '2025-01-01T00:00:00.000Z')).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([1, 3]);
  });

  it('drops an entry not used since half its capacity was stored, and keeps the last ones used', () => {
    const cache = new CandidateCache(4);
    const at = '2025-01-01T00:00:00.000Z';
    cache.set('A', 1, at, candidate('A'));
    cache.set('B', 1, at, candidate('B'));
    cache.get('A', 1, at); // B is not used again
    cache.set('C', 1, at, candidate('C'));
    cache.set('D', 1, at, candidate('D'));
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.get('B', 1, at)).toBeUndefined();
    expect(cache.get('D', 1, at)?.initiativeId).toBe('D');
    expect(cache.get('C', 1, at)?.initiativeId).toBe('C');
  });

  it('keeps nothing with a capacity of 0', () => {
    const cache = new CandidateCache(0);
    cache.set('A', 1, 'x', candidate('A'));
    expect(cache.size).toBe(0);
  });
});
