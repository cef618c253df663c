import { BoundedCache } from '@ctp/contracts';
import type { MatchCandidate } from '../domain/match-candidate';

/**
 * Match candidates built from stored snapshots, kept between detection runs, keyed by record id and checked against
 * the stored version (and first-reported time): a version is immutable, so a hit is exactly what the snapshot would
 * give, on any instance. Keeping the same candidate object also keeps the title preparation that title similarity
 * caches per candidate. Bounded by `capacity` (BoundedCache: the entries used lately stay).
 */
export class CandidateCache {
  private readonly entries: BoundedCache<
    string,
    { version: number; firstReportedAt: string; candidate: MatchCandidate }
  >;
  hits = 0;
  misses = 0;

  constructor(capacity: number) {
    this.entries = new BoundedCache(capacity);
  }

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
    return e.candidate;
  }

  set(id: string, version: number, firstReportedAt: string, candidate: MatchCandidate): void {
    this.entries.set(id, { version, firstReportedAt, candidate });
  }
}
