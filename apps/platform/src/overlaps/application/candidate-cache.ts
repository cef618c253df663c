import type { MatchCandidate } from '../domain/match-candidate';

/**
 * Match candidates built from stored snapshots, kept between detection runs, keyed by record id and checked against
 * the stored version (and first-reported time): a version is immutable, so a hit is exactly what the snapshot would
 * give, on any instance. Keeping the same candidate object also keeps the title preparation that title similarity
 * caches per candidate. Least recently used entries go first beyond `capacity`.
 */
export class CandidateCache {
  private readonly entries = new Map<string, { version: number; firstReportedAt: string; candidate: MatchCandidate }>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(id: string, version: number, firstReportedAt: string): MatchCandidate | undefined {
    const e = this.entries.get(id);
    if (!e || e.version !== version || e.firstReportedAt !== firstReportedAt) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(id);
    this.entries.set(id, e);
    return e.candidate;
  }

  set(id: string, version: number, firstReportedAt: string, candidate: MatchCandidate): void {
    if (this.capacity <= 0) return;
    this.entries.delete(id);
    this.entries.set(id, { version, firstReportedAt, candidate });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}
