import { BoundedCache } from '@ctp/contracts';
import type { MatchCandidate } from './match-candidate';
import { classify, MatchingModel, scoreOfVector, SignalName, SIGNALS } from './matching-model';
import { SHIPPED_MODEL } from './matching-model.shipped';
import { newTitleSimilarity, sharedTitleTerms, titleSimilarityInto } from './title-similarity';

/*
 * docs/domain.md "Duplicates and overlaps between reporters", rules in their order:
 *   0. only different reporters are compared                                   → SAME_REPORTER, nothing
 *   1. explicit link (type-5 related initiative or otherIdentifiers, either way) → EXPLICIT_LINK, DUPLICATE
 *   2. declared parent/child/sibling (types 1, 2, 3, either way)                → DECLARED_RELATION, nothing
 *   3. blocking: a shared country, compatible streams, ≤ 30 days apart           → else NOT_BLOCKED, nothing
 *   4. exactly one of the two is a PRJ (containment, not duplication)           → PRJ_VETO, nothing
 *   5. the matching model's score (matching-model.ts): ≥ 0.80 DUPLICATE, ≥ 0.60 OVERLAP → SCORED
 */

export type Classification = 'DUPLICATE' | 'OVERLAP';

export interface PairSignals {
  /** Best of: glossary concepts (any languages), same-language words, same-language character trigrams. */
  title: number;
  /** How much of the less detailed title the other covers (title-similarity.ts). */
  titleContainment: number;
  /** 0 when both titles name a city and not one in common (title-similarity.ts `placesDiffer`), else 1. */
  samePlace: number;
  /** How much of the less detailed title's subject the other names (title-similarity.ts `subject`). */
  subject: number;
  /** 0 when both titles name a subject and share none (title-similarity.ts `subjectsDiffer`), else 1. */
  sameSubject: number;
  /** 0 when both titles name a subject and none of the same area (title-similarity.ts `subjectAreasDiffer`), else 1. */
  sameSubjectArea: number;
  countries: number;
  /** Same dates: the padded intervals' intersection over union, or starts and ends a few days apart. */
  sameDates: number;
  /** Near in time: 1 when the intervals meet, falling to 0 at `NEAR_DATES_DAYS` apart. */
  nearDates: number;
  /** 1 when both start on the same day and end on the same day, else 0. */
  exactDates: number;
  /**
   * The same schedule, perhaps shifted: as long as each other (`sameLengthSimilarity`) and starting at most
   * `SAME_SCHEDULE_SHIFT_DAYS` apart (fading to 0 at twice that) — planned dates on one side, actual ones on the other.
   */
  sameSchedule: number;
  kind: number;
  /** 1 when both records give the same kind (a training and a meeting: `kind` 1, `sameKind` 0), else 0. */
  sameKind: number;
  stream: number;
  organisations: number;
  codeName: boolean;
  /** Glossary concept ids both records' titles name (or imply). */
  titleConcepts: string[];
  /**
   * Which glossary terms named each shared concept in each record's titles — the synonyms that matched; `a` is the
   * record with the smaller id. Empty unless the pair is flagged.
   */
  titleTerms: { concept: string; a: string[]; b: string[] }[];
  /** The matching model that weighed these signals (GET /overlaps/model). */
  model: string;
}

export interface PairVerdict {
  classification: Classification | null;
  /** The model's score (see matching-model.ts); 1 for an explicit link; 0 when not scored. */
  score: number;
  rule: 'EXPLICIT_LINK' | 'DECLARED_RELATION' | 'SAME_REPORTER' | 'NOT_BLOCKED' | 'PRJ_VETO' | 'SCORED';
  /** Present when scored. */
  signals?: PairSignals;
}

export { DUPLICATE_THRESHOLD, OVERLAP_THRESHOLD } from './matching-model';

/** Each interval is widened by this many days at both ends before intersection-over-union. */
export const DATE_PADDING_DAYS = 3;
/**
 * Starts and ends this many days apart (or a quarter of the activity's length, if more) still read as the same dates
 * at one half: planned dates on one side, actual dates on the other.
 */
export const SAME_DATES_TOLERANCE_DAYS = 7;
/** Near in time: two intervals this many days apart score 0 (a gap of a few weeks still scores). */
export const NEAR_DATES_DAYS = 60;
const DATE_WINDOW_DAYS = 30;

/**
 * Blocking window (days): two records are compared only if the gap between their date intervals is at most this
 * (overlapping intervals have gap 0). The database's candidate query uses the same window.
 */
export function dateWindowDays(): number {
  return DATE_WINDOW_DAYS;
}

const DAY_MS = 86_400_000;
const RELATION_TYPES_DECLARED = new Set([1, 2, 3]);
const THIRD_PARTY = 5;

/**
 * Day numbers of the dates seen, by text: every comparison reads both records' dates, and the same few thousand dates
 * come back (parsing them was a tenth of a comparison).
 */
const DAY_NUMBERS = new BoundedCache<string, number>(50_000);

/** Day number of a YYYY-MM-DD date (NaN when absent or malformed). */
function dayNumber(isoDate: string): number {
  let day = DAY_NUMBERS.get(isoDate);
  if (day === undefined) {
    day = parseDayNumber(isoDate);
    DAY_NUMBERS.set(isoDate, day);
  }
  return day;
}

function parseDayNumber(isoDate: string): number {
  if (isoDate.length !== 10) return NaN;
  const y = Number(isoDate.slice(0, 4));
  const m = Number(isoDate.slice(5, 7));
  const d = Number(isoDate.slice(8, 10));
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return NaN;
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/**
 * A candidate's interval as day numbers. Candidates may be built afresh for every event (loaded from the database),
 * so nothing per candidate is worth caching except its titles (title-similarity.ts caches those by text); the lists
 * compared here are short, and plain loops over them beat building sets.
 */
function intervalDays(c: MatchCandidate): [number, number] {
  let start = dayNumber(c.start);
  let end = dayNumber(c.end);
  if (Number.isNaN(end)) end = start;
  if (Number.isNaN(start)) start = end;
  return end < start ? [end, start] : [start, end];
}

function sharedCount(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  for (const x of a) if (b.includes(x)) n++;
  return n;
}

function names(c: MatchCandidate, id: string, types: (t: number) => boolean): boolean {
  for (const r of c.related) if (r.ref === id && types(r.type)) return true;
  return false;
}

const isThirdParty = (t: number) => t === THIRD_PARTY;
const isDeclared = (t: number) => RELATION_TYPES_DECLARED.has(t);

function listsOtherId(c: MatchCandidate, id: string): boolean {
  for (const o of c.otherIdentifiers) if (o.ref === id) return true;
  return false;
}

function normalisedCodeName(c: MatchCandidate): string | undefined {
  return c.codeName?.trim().toUpperCase() || undefined;
}

/** Days between two intervals (0 when they overlap or touch); NaN when either has no dates. */
export function intervalGapDays(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  return Math.max(0, Math.max(aStart, bStart) - Math.min(aEnd, bEnd));
}

/** Intersection over union of two inclusive day intervals, each widened by `DATE_PADDING_DAYS` at both ends. */
export function paddedIntervalIoU(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const as = aStart - DATE_PADDING_DAYS;
  const ae = aEnd + DATE_PADDING_DAYS;
  const bs = bStart - DATE_PADDING_DAYS;
  const be = bEnd + DATE_PADDING_DAYS;
  const inter = Math.max(0, Math.min(ae, be) - Math.max(as, bs) + 1);
  const union = ae - as + 1 + (be - bs + 1) - inter;
  return union > 0 ? inter / union : 0;
}

const LEARNING_EVENTS = new Set(['TRN', 'MTG']);

/**
 * Same kind 1. A training and a meeting 1 too: one reporter's training is another's workshop, course or seminar
 * (docs/domain.md), and the labelled set has as many of those among true duplicates as among the rest. Else 0.
 */
export function kindSimilarity(a: MatchCandidate['kind'], b: MatchCandidate['kind']): number {
  if (a === b) return 1;
  if (LEARNING_EVENTS.has(a) && LEARNING_EVENTS.has(b)) return 1;
  return 0;
}

/**
 * Same dates, 0..1: the best of the padded intervals' intersection over union and how close their starts and ends
 * are (1 when equal, ½ at `SAME_DATES_TOLERANCE_DAYS` apart — or a quarter of the longer activity, if more — and 0
 * at twice that), so planned dates on one side and actual ones a few days off on the other still read as the same.
 */
export function sameDatesSimilarity(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const iou = paddedIntervalIoU(aStart, aEnd, bStart, bEnd);
  const longer = Math.max(aEnd - aStart, bEnd - bStart) + 1;
  const tolerance = Math.max(SAME_DATES_TOLERANCE_DAYS, longer / 4);
  const apart = Math.max(Math.abs(aStart - bStart), Math.abs(aEnd - bEnd));
  return Math.max(iou, Math.max(0, 1 - apart / (2 * tolerance)));
}

/**
 * As long as each other, 0..1: 1 for the same number of days, falling linearly to 0 at a difference of 2 days or a
 * quarter of the longer activity, if more. The same activity reported twice lasts as long on both sides, even when
 * one side has the planned dates and the other the actual ones; two activities the same week rarely do.
 */
export function sameLengthSimilarity(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const la = aEnd - aStart + 1;
  const lb = bEnd - bStart + 1;
  const tolerance = Math.max(2, Math.max(la, lb) / 4);
  return Math.max(0, 1 - Math.abs(la - lb) / tolerance);
}

/** Planned and actual dates of one activity: shifted by up to this many days, the same schedule. */
export const SAME_SCHEDULE_SHIFT_DAYS = 7;

/**
 * The same schedule, perhaps shifted, 0..1: `sameLengthSimilarity` × 1 while the starts (and ends) are at most
 * `SAME_SCHEDULE_SHIFT_DAYS` apart, falling linearly to 0 at twice that. A course planned for the 10th and held on the
 * 17th is one course; a second course of the same length three weeks later is another.
 */
export function sameScheduleSimilarity(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const apart = Math.max(Math.abs(aStart - bStart), Math.abs(aEnd - bEnd));
  const shift = Math.max(0, Math.min(1, 2 - apart / SAME_SCHEDULE_SHIFT_DAYS));
  return sameLengthSimilarity(aStart, aEnd, bStart, bEnd) * shift;
}

/** Near in time, 0..1: 1 when the intervals meet, falling linearly to 0 at `NEAR_DATES_DAYS` apart. */
export function nearDatesSimilarity(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  return Math.max(0, 1 - intervalGapDays(aStart, aEnd, bStart, bEnd) / NEAR_DATES_DAYS);
}

function streamSimilarity(a: MatchCandidate, b: MatchCandidate): number {
  if (a.primaryStream === b.primaryStream) return 1;
  if (b.secondaryStreams.includes(a.primaryStream) || a.secondaryStreams.includes(b.primaryStream)) return 0.5;
  return 0;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

const NOT_A_PAIR = (rule: PairVerdict['rule']): PairVerdict => ({ classification: null, score: 0, rule });

/**
 * Compares two live records of different reporters (docs/domain.md's rules 1–5, in order), the score by `model` (the
 * shipped one unless an operator applied another). Symmetric.
 */
export function comparePair(a: MatchCandidate, b: MatchCandidate, model: MatchingModel = SHIPPED_MODEL): PairVerdict {
  return judgePair(a, b, model, true);
}

/** What the pair being scored gives, filled again for each pair (`judgePair`); a verdict returns a copy. */
const TITLE = newTitleSimilarity();
const SCORED: PairSignals = {
  title: 0,
  titleContainment: 0,
  samePlace: 0,
  subject: 0,
  sameSubject: 0,
  sameSubjectArea: 0,
  countries: 0,
  sameDates: 0,
  nearDates: 0,
  exactDates: 0,
  sameSchedule: 0,
  kind: 0,
  sameKind: 0,
  stream: 0,
  organisations: 0,
  codeName: false,
  titleConcepts: [],
  titleTerms: [],
  model: '',
};

/**
 * `comparePair`; with `explain` false, a scored pair the model does not flag comes without its signals. Detection
 * compares millions of pairs in a rebuild, most of them unflagged and never stored: the signals, concepts and
 * objects of each were most of its garbage.
 */
export function judgePair(
  a: MatchCandidate,
  b: MatchCandidate,
  model: MatchingModel = SHIPPED_MODEL,
  explain = true,
): PairVerdict {
  if (a.reporterRef === b.reporterRef) return NOT_A_PAIR('SAME_REPORTER');

  // 1. Explicit link: one names the other as a third-party report of the same activity, or as another id of it.
  if (
    names(a, b.initiativeId, isThirdParty) ||
    names(b, a.initiativeId, isThirdParty) ||
    listsOtherId(a, b.initiativeId) ||
    listsOtherId(b, a.initiativeId)
  ) {
    return { classification: 'DUPLICATE', score: 1, rule: 'EXPLICIT_LINK' };
  }

  // 2. Declared parent/child/sibling: related, but not the same activity.
  if (names(a, b.initiativeId, isDeclared) || names(b, a.initiativeId, isDeclared)) {
    return NOT_A_PAIR('DECLARED_RELATION');
  }

  // 3. Blocking.
  const shared = sharedCount(a.countries, b.countries);
  if (shared === 0) return NOT_A_PAIR('NOT_BLOCKED');
  const stream = streamSimilarity(a, b);
  if (stream === 0) return NOT_A_PAIR('NOT_BLOCKED');
  const [as, ae] = intervalDays(a);
  const [bs, be] = intervalDays(b);
  if (!(intervalGapDays(as, ae, bs, be) <= DATE_WINDOW_DAYS)) return NOT_A_PAIR('NOT_BLOCKED');

  // 4. A project/programme contains operations, trainings… it is not one of them.
  if ((a.kind === 'PRJ') !== (b.kind === 'PRJ')) return NOT_A_PAIR('PRJ_VETO');

  // 5. Score. (The titles in id order, so that `titleTerms` a/b name the pair's a_id/b_id whichever way it is asked.)
  const [first, second] = a.initiativeId <= b.initiativeId ? [a, b] : [b, a];
  const title = titleSimilarityInto(first.titles, second.titles, TITLE);
  const codeName = normalisedCodeName(a);
  const s = SCORED;
  s.title = round(title.score);
  s.titleContainment = round(title.containment);
  s.samePlace = title.placesDiffer ? 0 : 1;
  s.subject = round(title.subject);
  s.sameSubject = title.subjectsDiffer ? 0 : 1;
  s.sameSubjectArea = title.subjectAreasDiffer ? 0 : 1;
  s.countries = round(Math.min(1, shared / Math.min(a.countries.length, b.countries.length)));
  s.sameDates = round(sameDatesSimilarity(as, ae, bs, be));
  s.nearDates = round(nearDatesSimilarity(as, ae, bs, be));
  s.exactDates = as === bs && ae === be ? 1 : 0;
  s.sameSchedule = round(sameScheduleSimilarity(as, ae, bs, be));
  s.kind = kindSimilarity(a.kind, b.kind);
  s.sameKind = a.kind === b.kind ? 1 : 0;
  s.stream = stream;
  s.organisations =
    a.participatingOrgRefs.includes(b.reporterRef) ||
    b.participatingOrgRefs.includes(a.reporterRef) ||
    sharedCount(a.funderRefs, b.funderRefs) > 0
      ? 1
      : 0;
  s.codeName = codeName !== undefined && codeName === normalisedCodeName(b);
  const score = round(scoreOfVector(model, signalVector(s, SCRATCH)));
  const classification = classify(model, score);
  if (!classification && !explain) return { classification, score, rule: 'SCORED' };
  const titleConcepts = title.sharedConcepts.slice().sort();
  const signals: PairSignals = { ...s, titleConcepts, titleTerms: [], model: model.version };
  // The terms behind the shared concepts explain a flag; an unflagged pair is not stored, so they are not looked up.
  if (classification) signals.titleTerms = sharedTitleTerms(first.titles, second.titles, titleConcepts);
  return { classification, score, rule: 'SCORED', signals };
}

const at = Object.fromEntries(SIGNALS.map((name, k) => [name, k])) as Readonly<Record<SignalName, number>>;
/** The vector `judgePair` scores (it is used and done with before judgePair returns). */
const SCRATCH = new Float64Array(SIGNALS.length);

/**
 * `numericSignals` as a vector in `SIGNALS` order, into `out`: what detection scores every compared pair with (no
 * object per pair; a unit test checks it agrees with `numericSignals`).
 */
export function signalVector(s: PairSignals, out = new Float64Array(SIGNALS.length)): Float64Array {
  const t = s.title;
  out[at.title] = t;
  out[at.titleContainment] = s.titleContainment;
  out[at.samePlace] = s.samePlace;
  out[at.titleAndSamePlace] = t * s.samePlace;
  out[at.countries] = s.countries;
  out[at.sameDates] = s.sameDates;
  out[at.nearDates] = s.nearDates;
  out[at.exactDates] = s.exactDates;
  out[at.sameSchedule] = s.sameSchedule;
  out[at.kind] = s.kind;
  out[at.stream] = s.stream;
  out[at.organisations] = s.organisations;
  out[at.codeName] = s.codeName ? 1 : 0;
  out[at.titleAbove] = Math.max(0, t - 0.3);
  out[at.titleAndSameDates] = t * s.sameDates;
  out[at.titleAndNearDates] = t * s.nearDates;
  out[at.titleAndExactDates] = t * s.exactDates;
  out[at.titleAndSameSchedule] = t * s.sameSchedule;
  out[at.titleAndCountries] = t * s.countries;
  out[at.titleAndKind] = t * s.kind;
  out[at.titleAndStream] = t * s.stream;
  out[at.titleAndOrganisations] = t * s.organisations;
  out[at.containmentAndSameDates] = s.titleContainment * s.sameDates;
  out[at.subject] = s.subject;
  out[at.sameSubject] = s.sameSubject;
  out[at.sameSubjectArea] = s.sameSubjectArea;
  out[at.titleAndSameKind] = t * s.sameKind;
  return out;
}

/** The signals as the model weighs them (a code name counts 1 when both records carry the same one). */
export function numericSignals(s: PairSignals): Record<SignalName, number> {
  return {
    title: s.title,
    titleContainment: s.titleContainment,
    samePlace: s.samePlace,
    titleAndSamePlace: s.title * s.samePlace,
    countries: s.countries,
    sameDates: s.sameDates,
    nearDates: s.nearDates,
    exactDates: s.exactDates,
    sameSchedule: s.sameSchedule,
    kind: s.kind,
    stream: s.stream,
    organisations: s.organisations,
    codeName: s.codeName ? 1 : 0,
    titleAbove: Math.max(0, s.title - 0.3),
    titleAndSameDates: s.title * s.sameDates,
    titleAndNearDates: s.title * s.nearDates,
    titleAndExactDates: s.title * s.exactDates,
    titleAndSameSchedule: s.title * s.sameSchedule,
    titleAndCountries: s.title * s.countries,
    titleAndKind: s.title * s.kind,
    titleAndStream: s.title * s.stream,
    titleAndOrganisations: s.title * s.organisations,
    containmentAndSameDates: s.titleContainment * s.sameDates,
    subject: s.subject,
    sameSubject: s.sameSubject,
    sameSubjectArea: s.sameSubjectArea,
    titleAndSameKind: s.title * s.sameKind,
  };
}
