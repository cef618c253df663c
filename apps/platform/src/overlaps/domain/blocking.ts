import { dateWindowDays } from './pair-matcher';

/*
 * Blocking: which stored records a changed record is compared with. Two records are candidates when they share a
 * recipient country and their intervals are at most `dateWindowDays()` apart (then the reporters, streams and exact
 * dates are checked too). That is an equality on keys `<country>:<period>`: each interval is widened by half the
 * window on each side, so two intervals close enough have a day — and its period — in common.
 *
 * A record is stored under keys of one period length, chosen by its own length so that it has a few keys whatever it
 * lasts: months for a course or an operation, quarters for a project of up to about a year, years beyond. A changed
 * record looks up the keys of every period length it touches (months, quarters and years), so it meets each stored
 * record at that record's length. Storing a three-year project under 38 month keys per country made the index, and
 * every lookup into it, grow with the registry's longest records.
 *
 * The keys are never stored: the database holds one `BlockRecord` per live record (`registry_block_records`), and
 * the keys are derived from it in memory (`BlockingIndex`), so a change of the window or of the period lengths takes
 * effect when the index is next loaded.
 */

export type PeriodLength = 'M' | 'Q' | 'Y';

const DAY_MS = 86_400_000;
/** Longest interval (days) stored under month keys, then under quarter keys; longer ones under year keys. */
const MONTH_KEYS_UP_TO_DAYS = 62;
const QUARTER_KEYS_UP_TO_DAYS = 400;

function widened(start: string, end: string): { from: Date; to: Date } | undefined {
  if (!start || !end) return undefined;
  const half = dateWindowDays() / 2;
  const from = new Date(Date.parse(`${start}T00:00:00Z`) - half * DAY_MS);
  const to = new Date(Date.parse(`${end}T00:00:00Z`) + half * DAY_MS);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from > to) return undefined;
  return { from, to };
}

function periodsBetween(length: PeriodLength, from: Date, to: Date): string[] {
  const step = length === 'M' ? 1 : length === 'Q' ? 3 : 12;
  const label = (y: number, m: number) =>
    length === 'M' ? `M${y}-${String(m + 1).padStart(2, '0')}` : length === 'Q' ? `Q${y}-${m / 3 + 1}` : `Y${y}`;
  const out: string[] = [];
  let y = from.getUTCFullYear();
  let m = from.getUTCMonth() - (from.getUTCMonth() % step);
  while (y < to.getUTCFullYear() || (y === to.getUTCFullYear() && m <= to.getUTCMonth())) {
    out.push(label(y, m));
    m += step;
    if (m >= 12) {
      m -= 12;
      y++;
    }
  }
  return out;
}

/** The period length a record of these dates is stored under. */
export function storedPeriodLength(start: string, end: string): PeriodLength {
  const days = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS;
  return days <= MONTH_KEYS_UP_TO_DAYS ? 'M' : days <= QUARTER_KEYS_UP_TO_DAYS ? 'Q' : 'Y';
}

/** Keys `<country>:<period>` of one period length for each country and each period the widened interval touches. */
export function blockKeysOf(countries: readonly string[], start: string, end: string, length: PeriodLength): string[] {
  const w = widened(start, end);
  if (!w || countries.length === 0) return [];
  const periods = periodsBetween(length, w.from, w.to);
  return [...new Set(countries)].flatMap((c) => periods.map((p) => `${c}:${p}`));
}

/** The keys a record is stored under (none without dates or countries). */
export function storedKeysOf(c: Pick<BlockRecord, 'countries' | 'start' | 'end'>): string[] {
  if (!c.start || !c.end) return [];
  return blockKeysOf(c.countries, c.start, c.end, storedPeriodLength(c.start, c.end));
}

/** The keys a changed record looks up: every period length, so it meets records stored under any of them. */
export function lookupKeysOf(c: Pick<BlockRecord, 'countries' | 'start' | 'end'>): string[] {
  return (['M', 'Q', 'Y'] as const).flatMap((length) => blockKeysOf(c.countries, c.start, c.end, length));
}

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
  if (storedKeysOf(c).length === 0) return undefined;
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
