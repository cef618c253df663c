/*
 * Telling that something changed in a table by polling it cheaply. The newest key alone (max(id), max(updated_at))
 * misses a transaction that commits after a later one: an id or a now() is taken before the commit, so a row can
 * appear below the newest key already seen. So each reading also digests the rows above a floor that lags behind (the
 * newest key seen some polls earlier): a late row lands above it and changes the digest. A reading holds that digest
 * twice, for the previous floor (compared with the previous reading's) and for the next floor (kept for the next
 * comparison), so that moving the floor up is not itself taken for a change.
 */

/** What one poll read of one table. */
export interface WatermarkReading {
  /** The newest key (text), or null for an empty table. */
  newest: string | null;
  /** A digest of the rows above the floor given for this reading (`floor`). */
  aboveFloor: string;
  /** A digest of the rows above the next floor (`nextFloor`). */
  aboveNextFloor: string;
}

/** The change marks of one table, poll after poll. */
export class WatermarkTracker {
  private last?: { newest: string | null; digest: string };
  private floorNow: string | null = null;
  /** The newest keys of the last `lag` polls, oldest first: the next floor is the oldest of them. */
  private readonly recent: (string | null)[] = [];

  /** @param lag polls the floor stays behind the newest key (so a transaction up to that long is caught). */
  constructor(private readonly lag: number) {
    if (!Number.isInteger(lag) || lag < 1) throw new Error('lag must be a whole number of polls, at least 1');
  }

  /** The floors to read above at the next poll: the current one, and the one that replaces it. */
  floors(): { floor: string | null; nextFloor: string | null } {
    return { floor: this.floorNow, nextFloor: this.recent.length ? this.recent[0] : this.floorNow };
  }

  /**
   * Takes the reading made with `floors()`; true when the table changed since the previous reading (never for the
   * first, which only sets the baseline).
   */
  observe(reading: WatermarkReading): boolean {
    const { nextFloor } = this.floors();
    const changed =
      this.last !== undefined && (reading.newest !== this.last.newest || reading.aboveFloor !== this.last.digest);
    this.last = { newest: reading.newest, digest: reading.aboveNextFloor };
    this.floorNow = nextFloor;
    this.recent.push(reading.newest);
    if (this.recent.length > this.lag) this.recent.shift();
    return changed;
  }

  /** Forgets everything (the next reading is a baseline again). */
  reset(): void {
    this.last = undefined;
    this.floorNow = null;
    this.recent.length = 0;
  }
}
