import { dateWindowDays } from './pair-matcher';

/*
 * Blocking: which stored records a changed record is compared with. Two records are candidates when they share a
 * recipient country and their intervals are at most `dateWindowDays()` apart (then the reporters, streams and exact
 * dates are checked too). That is an equality on keys `<country>:<period>`: each interval is widened by half the
 * window on each side, so two intervals close enough have a day — and its period, at any period length — in common.
 *
 * Period lengths, finest first: months, quarters, years, decades, `L` (one period for all time: the key is the country
 * alone) and `G` (one key for all countries and all time). A record's **level** is the period length it is filed
 * under: by its length, months for a course or an operation (up to 62 days), quarters for a project of up to about a
 * year (400 days), years beyond — or coarser, when that would give it more than MAX_BLOCK_KEYS_PER_RECORD keys (a
 * ten-year programme over 249 countries: 12 × 249 year keys, 2 × 249 decade keys, so `L`, 249 keys). So a record has a
 * bounded number of keys whatever its dates and countries (0001-01-01 → 9999-12-31 over 249 countries once made
 * 30 million lookup keys, 107 s and 3.8 GB in the platform).
 *
 * A record of level S is indexed under its keys at S, and also at `L` and `G` (its countries; everything), each tagged
 * with S (`S>key`). A changed record looks, for each level S, for the records of that level: under its own keys at S
 * when it has at most MAX_LOOKUP_KEYS_PER_LEVEL of them, else under its countries at `L` (else `G`): a broad record
 * reads the country buckets of the short records instead of enumerating every month of its span. Two records that
 * share a country and a day of their widened intervals therefore always meet: the stored one is filed, under that
 * country and day, at its level, `L` and `G`, and the changed one looks there at one of them. A coarser lookup may
 * find more records than the rule admits; they are filtered by the rule (BlockingIndex), never missed. (Filing every
 * record at every coarser length — quarters, years, decades — made the index 3× slower to load for little: a record
 * too broad for its own keys is a candidate of most records of its countries anyway.)
 *
 * The keys are never stored: the database holds one `BlockRecord` per live record (`registry_block_records`), and
 * the keys are derived from it in memory (`BlockingIndex`), so a change of the window, of the period lengths or of the
 * caps takes effect when the index is next loaded.
 */

export type PeriodLength = 'M' | 'Q' | 'Y' | 'D' | 'L' | 'G';

/** Finest first. */
export const PERIOD_LENGTHS: readonly PeriodLength[] = ['M', 'Q', 'Y', 'D', 'L', 'G'];

/** Most keys a record is indexed under (its keys at its level and at every coarser length, added up). */
export const MAX_BLOCK_KEYS_PER_RECORD = 512;
/** Most keys a changed record looks up for the records of one level (at most 6 levels: 3,072 lookups in all). */
export const MAX_LOOKUP_KEYS_PER_LEVEL = 512;

const DAY_MS = 86_400_000;
/** Longest interval (days) stored under month keys, then under quarter keys; longer ones under year keys. */
const MONTH_KEYS_UP_TO_DAYS = 62;
const QUARTER_KEYS_UP_TO_DAYS = 400;

const rank = (length: PeriodLength) => PERIOD_LENGTHS.indexOf(length);

interface Span {
  /** Distinct countries. */
  countries: string[];
  /** First and last month (year × 12 + month index) of the widened interval. */
  from: number;
  to: number;
}

function spanOf(countries: readonly string[], start: string, end: string): Span | undefined {
  if (!start || !end || countries.length === 0) return undefined;
  const half = dateWindowDays() / 2;
  const from = new Date(Date.parse(`${start}T00:00:00Z`) - half * DAY_MS);
  const to = new Date(Date.parse(`${end}T00:00:00Z`) + half * DAY_MS);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from > to) return undefined;
  return {
    countries: [...new Set(countries)],
    from: from.getUTCFullYear() * 12 + from.getUTCMonth(),
    to: to.getUTCFullYear() * 12 + to.getUTCMonth(),
  };
}

/** Months per period (L and G: one period for all time). */
const MONTHS: Record<Exclude<PeriodLength, 'L' | 'G'>, number> = { M: 1, Q: 3, Y: 12, D: 120 };

/** The index of the period of length `length` holding month `month` (months since year 0). */
const periodIndex = (length: 'M' | 'Q' | 'Y' | 'D', month: number) => Math.floor(month / MONTHS[length]);

/** How many periods of `length` the span touches (computed, not enumerated: a span may cover thousands of years). */
function periodCount(length: PeriodLength, s: Span): number {
  if (length === 'L' || length === 'G') return 1;
  return periodIndex(length, s.to) - periodIndex(length, s.from) + 1;
}

/** How many keys the span has at `length`. */
function keyCount(length: PeriodLength, s: Span): number {
  return length === 'G' ? 1 : s.countries.length * periodCount(length, s);
}

/** `n` modulo `m`, never negative (a widened year-0001 interval starts in year 0, a year-0000 one in year -1). */
const mod = (n: number, m: number) => ((n % m) + m) % m;

function label(length: 'M' | 'Q' | 'Y' | 'D', index: number): string {
  switch (length) {
    case 'M':
      return `M${Math.floor(index / 12)}-${String(mod(index, 12) + 1).padStart(2, '0')}`;
    case 'Q':
      return `Q${Math.floor(index / 4)}-${mod(index, 4) + 1}`;
    case 'Y':
      return `Y${index}`;
    case 'D':
      return `D${index * 10}`;
  }
}

/** The span's keys at `length`; only called where keyCount is within a cap. */
function keysAt(length: PeriodLength, s: Span): string[] {
  if (length === 'G') return ['G'];
  if (length === 'L') return s.countries.map((c) => `${c}:L`);
  const periods: string[] = [];
  for (let i = periodIndex(length, s.from); i <= periodIndex(length, s.to); i++) periods.push(label(length, i));
  return s.countries.flatMap((c) => periods.map((p) => `${c}:${p}`));
}

/**
 * Keys `<country>:<period>` of one period length for each country and each period the widened interval touches
 * (`L`: `<country>:L`; `G`: `G`). Enumerates them: for lengths and spans whose count is known to be small.
 */
export function blockKeysOf(countries: readonly string[], start: string, end: string, length: PeriodLength): string[] {
  const s = spanOf(countries, start, end);
  return s ? keysAt(length, s) : [];
}

/** The period length a record of these dates is filed under by its length alone (before the key cap). */
export function storedPeriodLength(start: string, end: string): PeriodLength {
  const days = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS;
  return days <= MONTH_KEYS_UP_TO_DAYS ? 'M' : days <= QUARTER_KEYS_UP_TO_DAYS ? 'Q' : 'Y';
}

/** The lengths a record of level `level` is filed at: its own, `L` and `G`. */
const filedAt = (level: PeriodLength): PeriodLength[] => [
  level,
  ...(['L', 'G'] as const).filter((l) => rank(l) > rank(level)),
];

/** Keys at the lengths a record of level `level` is filed at, added up. */
function keysFrom(level: PeriodLength, s: Span): number {
  let n = 0;
  for (const t of filedAt(level)) n += keyCount(t, s);
  return n;
}

function levelOfSpan(start: string, end: string, s: Span): PeriodLength {
  const byLength = storedPeriodLength(start, end);
  return PERIOD_LENGTHS.slice(rank(byLength)).find((l) => keysFrom(l, s) <= MAX_BLOCK_KEYS_PER_RECORD) ?? 'G';
}

/** A record's level and the keys it is indexed under (undefined without dates or countries): one pass. */
export function filingOf(
  c: Pick<BlockRecord, 'countries' | 'start' | 'end'>,
): { level: PeriodLength; keys: string[] } | undefined {
  const s = spanOf(c.countries, c.start, c.end);
  if (!s) return undefined;
  const level = levelOfSpan(c.start, c.end, s);
  return { level, keys: filedAt(level).flatMap((t) => keysAt(t, s).map((k) => `${level}>${k}`)) };
}

/**
 * The record's level: the period length it is filed under (`storedPeriodLength`, or coarser when that would give it
 * more than MAX_BLOCK_KEYS_PER_RECORD keys); undefined without dates or countries.
 */
export function storedLevelOf(c: Pick<BlockRecord, 'countries' | 'start' | 'end'>): PeriodLength | undefined {
  return filingOf(c)?.level;
}

/**
 * The keys a record is indexed under (none without dates or countries): `S>key` for its level S and its keys at S,
 * `L` and `G`. At most MAX_BLOCK_KEYS_PER_RECORD.
 */
export function storedKeysOf(c: Pick<BlockRecord, 'countries' | 'start' | 'end'>): string[] {
  return filingOf(c)?.keys ?? [];
}

/**
 * The keys a changed record looks up for the records of each of `levels`: its keys at that length, or at `L` (or
 * `G`) when it has more than MAX_LOOKUP_KEYS_PER_LEVEL of them (none without dates or countries).
 */
export function lookupKeysByLevel(
  c: Pick<BlockRecord, 'countries' | 'start' | 'end'>,
  levels: readonly PeriodLength[] = PERIOD_LENGTHS,
): string[][] {
  const s = spanOf(c.countries, c.start, c.end);
  return levels.map((level) => {
    if (!s) return [];
    const t = filedAt(level).find((l) => keyCount(l, s) <= MAX_LOOKUP_KEYS_PER_LEVEL) ?? 'G';
    return keysAt(t, s).map((k) => `${level}>${k}`);
  });
}

/** The keys a changed record looks up for the records of level `level`. */
export function lookupKeysAtLevel(c: Pick<BlockRecord, 'countries' | 'start' | 'end'>, level: PeriodLength): string[] {
  return lookupKeysByLevel(c, [level])[0];
}

/** The keys a changed record looks up: for every level, so it meets records filed at any of them. */
export function lookupKeysOf(c: Pick<BlockRecord, 'countries' | 'start' | 'end'>): string[] {
  return lookupKeysByLevel(c).flat();
}

/*
 * The same keys as numbers, for the in-memory index (BlockingIndex): a key `S>country:period` of length T is
 * ((S × 6 + T) × COUNTRY_SLOTS + the country's number) × PERIOD_SLOTS + the period's index (months, quarters, years or
 * decades since year 0, shifted by PERIOD_SHIFT to be positive; 0 for `L` and `G`, country 0 for `G`). One key, one
 * number and the other way round: no string is built per key (building and hashing them was most of loading 200,000
 * records), and a number costs a map nothing to hold.
 */
const COUNTRY_SLOTS = 2 ** 20;
const PERIOD_SLOTS = 2 ** 18;
/** Periods start in year -1 at the earliest (a widened year-0000 interval): months from -12. */
const PERIOD_SHIFT = 2 ** 10;
/** Countries by number (from 1), as first seen: the ISO codes a registry holds, a few hundred. */
const COUNTRY_NUMBERS = new Map<string, number>();

function countryNumber(country: string): number {
  let n = COUNTRY_NUMBERS.get(country);
  if (n === undefined) {
    if (COUNTRY_NUMBERS.size + 1 >= COUNTRY_SLOTS) throw new Error('blocking: too many distinct country codes');
    n = COUNTRY_NUMBERS.size + 1;
    COUNTRY_NUMBERS.set(country, n);
  }
  return n;
}

const codeOf = (level: PeriodLength, length: PeriodLength, country: number, period: number) =>
  ((rank(level) * 6 + rank(length)) * COUNTRY_SLOTS + country) * PERIOD_SLOTS + period;

/** The span's keys at `length` for records of `level`, as numbers (keysAt, tagged with `level`). */
function codesAt(level: PeriodLength, length: PeriodLength, s: Span): number[] {
  if (length === 'G') return [codeOf(level, 'G', 0, 0)];
  if (length === 'L') return s.countries.map((c) => codeOf(level, 'L', countryNumber(c), 0));
  const first = periodIndex(length, s.from);
  const last = periodIndex(length, s.to);
  const codes: number[] = [];
  for (const c of s.countries) {
    const n = countryNumber(c);
    for (let i = first; i <= last; i++) codes.push(codeOf(level, length, n, i + PERIOD_SHIFT));
  }
  return codes;
}

/** `filingOf` with the keys as numbers (one per key of `filingOf`, the same for the same key). */
export function filingCodesOf(
  c: Pick<BlockRecord, 'countries' | 'start' | 'end'>,
): { level: PeriodLength; codes: number[] } | undefined {
  const s = spanOf(c.countries, c.start, c.end);
  if (!s) return undefined;
  const level = levelOfSpan(c.start, c.end, s);
  return { level, codes: filedAt(level).flatMap((t) => codesAt(level, t, s)) };
}

/** `lookupKeysByLevel` with the keys as numbers. */
export function lookupCodesByLevel(
  c: Pick<BlockRecord, 'countries' | 'start' | 'end'>,
  levels: readonly PeriodLength[] = PERIOD_LENGTHS,
): number[][] {
  const s = spanOf(c.countries, c.start, c.end);
  return levels.map((level) => {
    if (!s) return [];
    const t = filedAt(level).find((l) => keyCount(l, s) <= MAX_LOOKUP_KEYS_PER_LEVEL) ?? 'G';
    return codesAt(level, t, s);
  });
}

/** Whether a key (as a number) is a `G` key: one for all countries, whose records may not share the changed one's. */
export const isAllCountriesCode = (code: number): boolean =>
  Math.floor(code / (COUNTRY_SLOTS * PERIOD_SLOTS)) % 6 === rank('G');

/**
 * One row of `registry_block_records`: what blocking reads of a live record. A `MatchCandidate` is one too (same
 * field names), so a changed record's candidate is looked up as it is.
 */
export interface BlockRecord {
  initiativeId: string;
  reporterRef: string;
  primaryStream: string;
  secondaryStreams: readonly string[];
  countries: readonly string[];
  /** YYYY-MM-DD. */
  start: string;
  /** YYYY-MM-DD. */
  end: string;
}

const sorted = (values: readonly string[]) => [...new Set(values)].sort();

/**
 * The row a record is stored under: none when it has no keys (no dates or no countries). Its countries and secondary
 * streams are sorted, so that listing them in another order is no change of the row.
 */
export function storedRecordOf(c: BlockRecord): BlockRecord | undefined {
  if (!spanOf(c.countries, c.start, c.end)) return undefined;
  return {
    initiativeId: c.initiativeId,
    reporterRef: c.reporterRef,
    primaryStream: c.primaryStream,
    secondaryStreams: sorted(c.secondaryStreams),
    countries: sorted(c.countries),
    start: c.start,
    end: c.end,
  };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Whether two rows are the same (every column). */
export function sameRecord(a: BlockRecord, b: BlockRecord): boolean {
  return (
    a.initiativeId === b.initiativeId &&
    a.reporterRef === b.reporterRef &&
    a.primaryStream === b.primaryStream &&
    a.start === b.start &&
    a.end === b.end &&
    sameList(a.countries, b.countries) &&
    sameList(a.secondaryStreams, b.secondaryStreams)
  );
}
