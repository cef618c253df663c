import type { BlockRecord } from './blocking';
import { paddedIntervalIoU } from './pair-matcher';

/*
 * Work per changed record is bounded: it is compared with at most `cap` records (DETECTION_MAX_CANDIDATES). Blocking
 * keeps the pairs the matcher could flag, but a record over many countries and years can still be a candidate of
 * thousands (every course in those countries in those years): comparing them all was the cost a single record could
 * impose on every other one. Beyond the cap the record is compared with the `cap` candidates most likely to matter and
 * flagged for an analyst (`detection_capped`, GET /overlaps/detection), never truncated silently.
 */

export interface CandidateChoice {
  /** The candidates to compare, at most `cap`. */
  compared: string[];
  /** The candidates left out (none unless capped): their stored pairs with the record are kept as they were. */
  skipped: string[];
  /** Candidates found (explicit links and blocking, each once). */
  total: number;
  capped: boolean;
}

const DAY_MS = 86_400_000;
export const dayOf = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

/** A candidate's blocking row with its day numbers (as BlockingIndex holds it). */
export interface RankedRow {
  row: BlockRecord;
  startDay: number;
  endDay: number;
}

/** The hand-set reference weights of the blocking columns (docs/matching.md): a ranking, not a verdict. */
const RANK_WEIGHTS = { countries: 0.2, dates: 0.2, stream: 0.1 } as const;

/**
 * What the matcher's score would take from the blocking columns alone (countries, dates, stream: up to 0.5 of 1),
 * to rank the candidates of a capped record; the title and the rest are read only for the ones compared.
 */
export function blockingScore(a: RankedRow, b: RankedRow, aCountries: ReadonlySet<string>): number {
  let shared = 0;
  for (const c of b.row.countries) if (aCountries.has(c)) shared++;
  const countries = Math.min(1, shared / Math.max(1, Math.min(aCountries.size, b.row.countries.length)));
  const dates = paddedIntervalIoU(a.startDay, a.endDay, b.startDay, b.endDay);
  const [x, y] = [a.row, b.row];
  const stream =
    x.primaryStream === y.primaryStream
      ? 1
      : x.secondaryStreams.includes(y.primaryStream) || y.secondaryStreams.includes(x.primaryStream)
        ? 0.5
        : 0;
  return RANK_WEIGHTS.countries * countries + RANK_WEIGHTS.dates * dates + RANK_WEIGHTS.stream * stream;
}

/**
 * The candidates a changed record is compared with. All of them when they are at most `cap`; beyond, in this order
 * until `cap`: explicitly linked records (an explicit link decides a pair by itself), the records it has a flagged
 * pair with (so that a flag is re-judged rather than left stale, when there is room), then the others by
 * `blockingScore`, highest first (ties by id, so the choice is the same on every instance).
 */
export function chooseCandidates(
  changed: BlockRecord,
  explicit: Iterable<string>,
  blocked: Iterable<string>,
  rowOf: (id: string) => RankedRow | undefined,
  flaggedWith: ReadonlySet<string>,
  cap: number,
): CandidateChoice {
  const linked = [...new Set(explicit)];
  const all = new Set(linked);
  for (const id of blocked) all.add(id);
  if (all.size <= cap) return { compared: [...all], skipped: [], total: all.size, capped: false };
  const chosen = new Set<string>();
  for (const id of linked) if (chosen.size < cap) chosen.add(id);
  const rest: string[] = [];
  for (const id of all) {
    if (chosen.has(id)) continue;
    if (flaggedWith.has(id) && chosen.size < cap) chosen.add(id);
    else rest.push(id);
  }
  if (chosen.size < cap) {
    const countries = new Set(changed.countries);
    const self: RankedRow = { row: changed, startDay: dayOf(changed.start), endDay: dayOf(changed.end) };
    // The best `room` of the rest, kept in a heap whose root is the worst kept: O(n log room), not a sort of them all
    // (a record over every country may have the whole registry as candidates).
    const room = cap - chosen.size;
    const heap: { id: string; score: number }[] = [];
    const worse = (x: { id: string; score: number }, y: { id: string; score: number }) =>
      x.score < y.score || (x.score === y.score && x.id > y.id);
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && worse(heap[l], heap[m])) m = l;
        if (r < heap.length && worse(heap[r], heap[m])) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    };
    for (const id of rest) {
      const row = rowOf(id);
      const item = { id, score: row ? blockingScore(self, row, countries) : 0 };
      if (heap.length < room) {
        heap.push(item);
        for (let i = heap.length - 1; i > 0 && worse(heap[i], heap[(i - 1) >> 1]); i = (i - 1) >> 1)
          [heap[i], heap[(i - 1) >> 1]] = [heap[(i - 1) >> 1], heap[i]];
      } else if (worse(heap[0], item)) {
        heap[0] = item;
        down(0);
      }
    }
    heap.sort((x, y) => (worse(x, y) ? 1 : worse(y, x) ? -1 : 0));
    for (const { id } of heap) chosen.add(id);
  }
  return {
    compared: [...chosen],
    skipped: [...all].filter((id) => !chosen.has(id)),
    total: all.size,
    capped: true,
  };
}
