/*
 * The scoring part of duplicate and overlap detection (docs/domain.md "Duplicates and overlaps between reporters", rule 5), as data: which signals count and how much,
 * and where DUPLICATE and OVERLAP begin. The rules before it (explicit link, declared relation, blocking, PRJ veto)
 * are not data: they are pair-matcher.ts.
 *
 * score = intercept + Σ weight[signal] × signal, each signal in 0..1; ≥ `thresholds.duplicate` DUPLICATE,
 * ≥ `thresholds.overlap` OVERLAP — or, for a model with an OVERLAP score of its own (`overlap`), that score for the
 * pairs the first does not make duplicates (`scoreOf`). The shipped model (matching-model.shipped.ts) is fitted on the calibration part of
 * the labelled set (test/fixtures/matching) by `fitModel` (matching-fit.ts); analysts' decisions can re-fit it
 * (`npm run matching:refit`), and the model in use is versioned (GET /overlaps/model). docs/matching.md tells how.
 */

/**
 * The signals a scored pair is weighed on (pair-matcher.ts measures them, `numericSignals` lists them): the measured
 * ones (title, countries, sameDates, nearDates, kind, stream, organisations, codeName 0/1) and some derived from them,
 * because the title is what tells a duplicate, an overlap and two unrelated activities in the same place and week
 * apart, and a linear score cannot say "alike titles AND the same dates" otherwise: titleAndX = title × X, and
 * titleAbove = max(0, title − 0.3) (titles beyond what two unrelated titles of this domain share by chance: on the
 * labelled set, 90 % of the unrelated pairs score ≤ 0.3).
 */
export const SIGNALS = [
  'title',
  'titleContainment',
  'samePlace',
  'titleAndSamePlace',
  'countries',
  'sameDates',
  'nearDates',
  'exactDates',
  'sameSchedule',
  'kind',
  'stream',
  'organisations',
  'codeName',
  'titleAbove',
  'titleAndSameDates',
  'titleAndNearDates',
  'titleAndExactDates',
  'titleAndSameSchedule',
  'titleAndCountries',
  'titleAndKind',
  'titleAndStream',
  'titleAndOrganisations',
  'containmentAndSameDates',
  'subject',
  'sameSubject',
  'sameSubjectArea',
  'titleAndSameKind',
] as const;
export type SignalName = (typeof SIGNALS)[number];

/**
 * The signals a fitted model weighs (the others at 0), chosen by 5-fold cross-validation on the calibration part
 * (docs/matching.md): the measured ones; the title beyond chance and through dates, kind (alike, and the very same)
 * and stream; and how much of the less detailed title the other covers, alone and with the same dates.
 */
export const FITTED_SIGNALS: readonly SignalName[] = SIGNALS.filter(
  (s) => s !== 'titleAndCountries' && s !== 'titleAndOrganisations',
);

/** A linear score: intercept + Σ weight × signal. */
export interface LinearScore {
  weights: Readonly<Record<SignalName, number>>;
  intercept: number;
}

export interface MatchingModel extends LinearScore {
  /** Names this model wherever a verdict is shown; `shipped-…` for the one in the code, `refit-…` for analysts' ones. */
  version: string;
  /**
   * The OVERLAP score, when the model has one of its own: `weights` and `intercept` then say whether a pair is the
   * same activity (≥ `thresholds.duplicate`), and these whether a pair that is not is related enough to show
   * (≥ `thresholds.overlap`). What tells a duplicate from an overlap (the same dates) is not what tells an overlap from
   * two unrelated activities (the subject): two scores weigh each on its own. Without it, one score for both cuts.
   */
  overlap?: Readonly<LinearScore>;
  thresholds: Readonly<{ duplicate: number; overlap: number }>;
  /** How it was obtained (free text, shown by the API). */
  fittedOn: string;
}

/** docs/domain.md's thresholds (0.60 and 0.80), kept by every fitted model (the fit rescales its scores onto them). */
export const DUPLICATE_THRESHOLD = 0.8;
export const OVERLAP_THRESHOLD = 0.6;

/** The problems of a model read from outside (the database, a file): empty when it can be used. */
export function modelProblems(m: unknown): string[] {
  if (typeof m !== 'object' || m === null) return ['model: must be an object'];
  const o = m as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof o.version !== 'string' || o.version.length === 0) problems.push('version: must be a non-empty string');
  if (typeof o.fittedOn !== 'string') problems.push('fittedOn: must be a string');
  if (typeof o.intercept !== 'number' || !Number.isFinite(o.intercept)) problems.push('intercept: must be a number');
  weightProblems(o.weights, 'weights', problems);
  if (o.overlap !== undefined) {
    const ov = o.overlap as Record<string, unknown> | null;
    if (typeof ov !== 'object' || ov === null) problems.push('overlap: must be an object when present');
    else {
      weightProblems(ov.weights, 'overlap.weights', problems);
      if (typeof ov.intercept !== 'number' || !Number.isFinite(ov.intercept))
        problems.push('overlap.intercept: must be a number');
    }
  }
  const t = o.thresholds as Record<string, unknown> | undefined;
  if (typeof t !== 'object' || t === null) problems.push('thresholds: must be an object');
  else if (!(
    typeof t.overlap === 'number' &&
    typeof t.duplicate === 'number' &&
    Number.isFinite(t.overlap) &&
    Number.isFinite(t.duplicate) &&
    t.overlap + BELOW_DUPLICATE < t.duplicate
  )) {
    problems.push(`thresholds: overlap and duplicate must be finite numbers, overlap < duplicate − ${BELOW_DUPLICATE}`);
  }
  return problems;
}

/**
 * Signals added after models were first stored (on 2026-12-03: the date signals and samePlace, then the subject ones): a stored model that does not name one weighs it 0, so
 * an operator's applied model stays in use after an upgrade that adds signals.
 */
const SIGNALS_ADDED_LATER: ReadonlySet<SignalName> = new Set<SignalName>([
  'exactDates',
  'sameSchedule',
  'titleAndExactDates',
  'titleAndSameSchedule',
  'samePlace',
  'titleAndSamePlace',
  'subject',
  'sameSubject',
  'sameSubjectArea',
  'titleAndSameKind',
]);

/** `weights` with a 0 for every signal it does not name (a model stored before the signal existed). */
export function withAllWeights(weights: Readonly<Partial<Record<SignalName, number>>>): Record<SignalName, number> {
  return Object.fromEntries(SIGNALS.map((s) => [s, weights[s] ?? 0])) as Record<SignalName, number>;
}

function weightProblems(weights: unknown, path: string, problems: string[]): void {
  const w = weights as Record<string, unknown> | undefined;
  if (typeof w !== 'object' || w === null) {
    problems.push(`${path}: must be an object`);
    return;
  }
  for (const s of SIGNALS) {
    // A model stored before a signal existed weighs it 0 (`withAllWeights`).
    if (w[s] === undefined && SIGNALS_ADDED_LATER.has(s)) continue;
    if (typeof w[s] !== 'number' || !Number.isFinite(w[s]) || (w[s] as number) < 0) {
      problems.push(`${path}.${s}: must be a number ≥ 0`);
    }
  }
  for (const k of Object.keys(w))
    if (!(SIGNALS as readonly string[]).includes(k)) problems.push(`${path}.${k}: unknown`);
}

export function linearScore(score: LinearScore, signals: Readonly<Record<SignalName, number>>): number {
  let s = score.intercept;
  for (const name of SIGNALS) s += score.weights[name] * signals[name];
  return s;
}

/** A score's weights in `SIGNALS` order, per weights object (models are immutable once in use). */
const WEIGHT_VECTORS = new WeakMap<object, Float64Array>();

function weightVector(weights: Readonly<Record<SignalName, number>>): Float64Array {
  let v = WEIGHT_VECTORS.get(weights);
  if (!v) {
    v = Float64Array.from(SIGNALS, (name) => weights[name]);
    WEIGHT_VECTORS.set(weights, v);
  }
  return v;
}

function linearScoreOfVector(score: LinearScore, signals: ArrayLike<number>): number {
  const w = weightVector(score.weights);
  let s = score.intercept;
  for (let k = 0; k < w.length; k++) s += w[k] * signals[k];
  return s;
}

/**
 * `scoreOf` for signals given in `SIGNALS` order (what detection computes for every compared pair: no object per
 * pair, no look-up by name).
 */
export function scoreOfVector(model: MatchingModel, signals: ArrayLike<number>): number {
  const duplicate = linearScoreOfVector(model, signals);
  if (!model.overlap || duplicate >= model.thresholds.duplicate) return duplicate;
  return Math.min(linearScoreOfVector(model.overlap, signals), model.thresholds.duplicate - BELOW_DUPLICATE);
}

/**
 * An OVERLAP score is kept this far below the DUPLICATE threshold: stored with 3 decimals (overlap_pairs.score) it still
 * reads below it.
 */
const BELOW_DUPLICATE = 0.001;

/**
 * A pair's score on one scale, whatever the model's form: ≥ `thresholds.duplicate` DUPLICATE, ≥ `thresholds.overlap`
 * OVERLAP. With an OVERLAP score of its own, a pair the DUPLICATE score does not reach is given its OVERLAP score,
 * kept below the DUPLICATE threshold.
 */
export function scoreOf(model: MatchingModel, signals: Readonly<Record<SignalName, number>>): number {
  const duplicate = linearScore(model, signals);
  if (!model.overlap || duplicate >= model.thresholds.duplicate) return duplicate;
  return Math.min(linearScore(model.overlap, signals), model.thresholds.duplicate - BELOW_DUPLICATE);
}

export function classify(model: MatchingModel, score: number): 'DUPLICATE' | 'OVERLAP' | null {
  return score >= model.thresholds.duplicate ? 'DUPLICATE' : score >= model.thresholds.overlap ? 'OVERLAP' : null;
}
