import {
  BlockRecord,
  filingCodesOf,
  isAllCountriesCode,
  lookupCodesByLevel,
  PERIOD_LENGTHS,
  PeriodLength,
  sameRecord,
} from '../domain/blocking';
import { dateWindowDays } from '../domain/pair-matcher';

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

export interface Indexed {
  row: BlockRecord;
  /** The level the row is filed under (storedLevelOf); its keys are derived again when it leaves. */
  level: PeriodLength;
  startDay: number;
  endDay: number;
  /** The row's primary stream and its secondary streams as bits (BlockingIndex `streamBit`). */
  primaryBit: number;
  secondaryBits: number;
}

/** The bit streams share past the 30th distinct one: a match on it is checked by the streams' names. */
const OTHER_STREAMS = 1 << 30;

/**
 * `registry_block_records` held in memory by the detection worker, each row under the keys it is stored under
 * (`filingCodesOf`, computed here: the table holds one row per live record, not its keys), so that finding a batch's
 * candidates is a few hundred thousand comparisons in the process rather than a join in the database (which cost
 * ~0.2 ms per changed record). The table stays the truth: the index is loaded from it, and is trusted only while
 * `generation` matches the database's detection generation, which every detection run increments under the detection
 * lock — so a run by another instance, or a run that failed half-way, makes the next run load it again.
 *
 * Bounded per record whatever its dates and countries: a row is filed under at most MAX_BLOCK_KEYS_PER_RECORD keys,
 * and a lookup reads at most MAX_LOOKUP_KEYS_PER_LEVEL keys for each level that holds any row (blocking.ts).
 */
export class BlockingIndex {
  /**
   * key (as a number: filingCodesOf) → reporter → the rows stored under that key. By reporter because only another
   * reporter's records are candidates: a hub's records mostly share keys (countries, periods) with its own, and
   * looking them all over to skip them was most of a detection run (~0.2 ms per new record with 25,000 stored, for no
   * candidate). Arrays, not sets: a set per key and reporter was most of the index's memory, and a record leaving
   * scans only its own keys' lists (tens to a few thousand rows) for itself.
   */
  private readonly byKey = new Map<number, Map<string, Indexed[]>>();
  private readonly byRecord = new Map<string, Indexed>();
  /**
   * One copy of each reporter, stream, date and list of countries or streams, shared by the rows that hold it (the
   * database gives every row its own strings and arrays: 200,000 rows of a few hundred distinct values).
   */
  private readonly shared = new Map<string, string>();
  private readonly sharedLists = new Map<string, readonly string[]>();
  /**
   * Each stream a bit (the action streams: five), so that a lookup rejects a row of an incompatible stream from the
   * numbers it holds, without reading the row itself: most rows under a changed record's keys are of other streams,
   * and reading each (the rows are all over the heap) was most of finding a record's candidates.
   */
  private readonly streamBit = new Map<string, number>();
  /** Rows per level: a lookup skips the levels that hold none (decades, `L` and `G` are for rare, broad records). */
  private readonly perLevel = new Map<PeriodLength, number>();
  /** The detection generation this index reflects; undefined: not loaded, or no longer trusted. */
  generation: number | undefined;

  /** Rows held (as many as the table has). */
  get records(): number {
    return this.byRecord.size;
  }

  /** Rows held per level (for the detection run's log line and tests). */
  get levels(): Partial<Record<PeriodLength, number>> {
    return Object.fromEntries(this.perLevel);
  }

  /** The row held for a record, if any. */
  row(initiativeId: string): BlockRecord | undefined {
    return this.byRecord.get(initiativeId)?.row;
  }

  /** The row held for a record with its day numbers, if any. */
  entry(initiativeId: string): Indexed | undefined {
    return this.byRecord.get(initiativeId);
  }

  load(rows: readonly BlockRecord[], generation: number): void {
    this.byKey.clear();
    this.byRecord.clear();
    this.perLevel.clear();
    this.shared.clear();
    this.sharedLists.clear();
    for (const row of rows) this.replace(row.initiativeId, row);
    this.generation = generation;
  }

  /**
   * Sets a record's row (undefined: the record leaves the index) and says whether it changed — whether the table's
   * row must be written (upserted, or deleted when `row` is undefined).
   */
  replace(initiativeId: string, row: BlockRecord | undefined): boolean {
    const before = this.byRecord.get(initiativeId);
    if (before === undefined ? row === undefined : row !== undefined && sameRecord(before.row, row)) return false;
    if (before) {
      for (const key of filingCodesOf(before.row)?.codes ?? []) {
        const byReporter = this.byKey.get(key);
        const list = byReporter?.get(before.row.reporterRef);
        if (!byReporter || !list) continue;
        const i = list.indexOf(before);
        if (i >= 0) {
          // Order within a list does not matter: the last row takes the leaving one's place.
          list[i] = list[list.length - 1];
          list.pop();
        }
        if (list.length === 0) byReporter.delete(before.row.reporterRef);
        if (byReporter.size === 0) this.byKey.delete(key);
      }
      this.byRecord.delete(initiativeId);
      const left = (this.perLevel.get(before.level) ?? 1) - 1;
      if (left > 0) this.perLevel.set(before.level, left);
      else this.perLevel.delete(before.level);
    }
    const filing = row && filingCodesOf(row);
    if (row && filing) {
      const { level, codes } = filing;
      const kept = this.compact(row);
      const indexed: Indexed = {
        row: kept,
        level,
        startDay: dayOf(row.start),
        endDay: dayOf(row.end),
        primaryBit: this.bitOf(kept.primaryStream),
        secondaryBits: this.bitsOf(kept.secondaryStreams),
      };
      for (const key of codes) {
        let byReporter = this.byKey.get(key);
        if (!byReporter) this.byKey.set(key, (byReporter = new Map()));
        const list = byReporter.get(kept.reporterRef);
        if (list) list.push(indexed);
        else byReporter.set(kept.reporterRef, [indexed]);
      }
      this.byRecord.set(initiativeId, indexed);
      this.perLevel.set(level, (this.perLevel.get(level) ?? 0) + 1);
    }
    return true;
  }

  private bitOf(stream: string): number {
    let bit = this.streamBit.get(stream);
    if (bit === undefined) {
      bit = this.streamBit.size < 30 ? 1 << this.streamBit.size : OTHER_STREAMS;
      this.streamBit.set(stream, bit);
    }
    return bit;
  }

  private bitsOf(streams: readonly string[]): number {
    let bits = 0;
    for (const s of streams) bits |= this.bitOf(s);
    return bits;
  }

  /** The row with its values shared with the other rows holding the same (see `shared`). */
  private compact(row: BlockRecord): BlockRecord {
    const one = (v: string) => {
      const s = this.shared.get(v);
      if (s !== undefined) return s;
      this.shared.set(v, v);
      return v;
    };
    const list = (v: readonly string[]) => {
      const key = v.join('\u0000');
      const s = this.sharedLists.get(key);
      if (s !== undefined) return s;
      const frozen = Object.freeze(v.map(one));
      this.sharedLists.set(key, frozen);
      return frozen;
    };
    return {
      initiativeId: row.initiativeId,
      reporterRef: one(row.reporterRef),
      primaryStream: one(row.primaryStream),
      secondaryStreams: list(row.secondaryStreams),
      countries: list(row.countries),
      start: one(row.start),
      end: one(row.end),
    };
  }

  /**
   * The records stored under any of a changed record's lookup keys (`lookupKeysAtLevel`, for each level that holds
   * rows) that are of another reporter, with a compatible stream (same primary, or one's primary among the other's
   * secondaries), a shared country and dates at most the window apart — the same rule as pair-matcher's blocking step
   * (a coarse key may hold records the rule does not admit: they are left out here).
   */
  candidatesOf(changed: BlockRecord): Set<string> {
    return new Set(this.candidateEntries(changed).keys());
  }

  /** `candidatesOf`, with each candidate's row and day numbers (what a capped record's candidates are ranked by). */
  candidateEntries(changed: BlockRecord): Map<string, Indexed> {
    const found = new Map<string, Indexed>();
    const window = dateWindowDays();
    const start = dayOf(changed.start) - window;
    const end = dayOf(changed.end) + window;
    let countries: Set<string> | undefined;
    // A row is of a compatible stream when its primary is the changed record's primary or one of its secondaries
    // (`accepted`), or the changed record's primary is one of the row's secondaries: checked on the bits first.
    const primary = this.bitOf(changed.primaryStream);
    const accepted = primary | this.bitsOf(changed.secondaryStreams);
    const levels = PERIOD_LENGTHS.filter((level) => this.perLevel.has(level));
    for (const key of lookupCodesByLevel(changed, levels).flat()) {
      const byReporter = this.byKey.get(key);
      if (!byReporter) continue;
      // A key of a country holds only records of that country; the `G` key (all countries) may hold others.
      const checkCountry = isAllCountriesCode(key);
      for (const [reporter, list] of byReporter) {
        if (reporter === changed.reporterRef) continue;
        for (const entry of list) {
          // The numbers the entry holds first (dates, streams), the row (elsewhere in memory) only for the others.
          if (entry.startDay > end || entry.endDay < start) continue;
          if ((entry.primaryBit & accepted) === 0 && (entry.secondaryBits & primary) === 0) continue;
          const e = entry.row;
          if (e.initiativeId === changed.initiativeId || found.has(e.initiativeId)) continue;
          if (
            ((accepted | entry.secondaryBits) & OTHER_STREAMS) !== 0 &&
            e.primaryStream !== changed.primaryStream &&
            !changed.secondaryStreams.includes(e.primaryStream) &&
            !e.secondaryStreams.includes(changed.primaryStream)
          )
            continue;
          if (checkCountry) {
            countries ??= new Set(changed.countries);
            if (!e.countries.some((c) => countries!.has(c))) continue;
          }
          found.set(e.initiativeId, entry);
        }
      }
    }
    return found;
  }
}
