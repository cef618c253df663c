import {
  DUPLICATE_THRESHOLD,
  FITTED_SIGNALS,
  MatchingModel,
  OVERLAP_THRESHOLD,
  SignalName,
  SIGNALS,
} from './matching-model';

/*
 * Fitting the matching model on labelled pairs (docs/matching.md "How the model is fitted"). Two forms:
 *
 * `two-scores` (the default, what `npm run matching:fit` ships):
 * 1. A DUPLICATE score: binary logistic regression, P(DUPLICATE) = σ(w·x − θ), with an L2 penalty on w and w ≥ 0
 *    (more alike never scores lower), by projected gradient descent from zero — deterministic, a few hundred ms for a
 *    few hundred pairs. Its cut: the best DUPLICATE F1 among the cuts with precision ≥ 0.99 on these pairs (a false
 *    DUPLICATE removes a real activity from the deduplicated counts; 0.99 here so that it holds ≥ 0.98 on pairs not
 *    fitted on), at the middle of the gap between the two scores it separates.
 * 2. An OVERLAP score: the same regression for "related at all" (OVERLAP or DUPLICATE); its cut the best OVERLAP F1 of
 *    the pairs the DUPLICATE score leaves below its cut.
 * 3. Each score rescaled to `threshold + 0.1 × (z − cut)`: the cuts fall on docs/domain.md's 0.80 and 0.60, one
 *    logit a tenth of the scale.
 *
 * `one-score` (the form before; stored models of that form are still read): ordinal logistic regression with one
 * linear score z = w·x shared by both cuts (a cumulative-link model): the sum of two logistic losses,
 * P(label ≥ OVERLAP) = σ(z − θ₁) and P(label = DUPLICATE) = σ(z − θ₂); the two cuts chosen again on the same pairs
 * (DUPLICATE F1 with the precision floor first, then OVERLAP F1), and the scores rescaled so they fall on 0.60 and 0.80
 * (weights and intercept multiplied by 0.20 / (θ₂ − θ₁), the intercept shifted).
 *
 * Only pairs the rules leave to the score (rule SCORED) are fitted on: the others are decided before any weight counts.
 */

export type Label = 0 | 1 | 2; // none, OVERLAP, DUPLICATE

export interface FitSample {
  signals: Readonly<Record<SignalName, number>>;
  label: Label;
}

export interface FitOptions {
  /** L2 penalty on the weights. */
  l2?: number;
  iterations?: number;
  learningRate?: number;
  /** Precision below which a DUPLICATE cut is not taken when a better-precision one exists. */
  minDuplicatePrecision?: number;
  /** The signals the model may weigh; the others get 0. */
  signals?: readonly SignalName[];
  /**
   * `two-scores` (the default): a DUPLICATE score and an OVERLAP score, each a logistic regression of its own;
   * `one-score`: one score for both cuts (ordinal logistic regression).
   */
  form?: 'one-score' | 'two-scores';
  /**
   * How many times an unrelated pair counts against the OVERLAP cut of a `two-scores` model (a false OVERLAP). The
   * labelled set holds fewer unrelated pairs among those scored than related ones (most of its hard negatives are
   * decided before any score: another country, too far apart), while in a registry the unrelated pairs are most of
   * what blocking lets through: a cut chosen as if they were rare would flag many of them.
   */
  unrelatedWeight?: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function vector(s: Readonly<Record<SignalName, number>>): number[] {
  return SIGNALS.map((n) => s[n]);
}

interface Linear {
  w: number[];
  theta1: number;
  theta2: number;
}

function regress(samples: readonly FitSample[], opts: Required<FitOptions>): Linear {
  const xs = samples.map((s) => vector(s.signals));
  const d = SIGNALS.length;
  const used = SIGNALS.map((name) => opts.signals.includes(name));
  const w = new Array<number>(d).fill(0);
  let theta1 = 0;
  let theta2 = 0;
  const n = Math.max(1, samples.length);
  for (let it = 0; it < opts.iterations; it++) {
    const gw = new Array<number>(d).fill(0);
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < samples.length; i++) {
      const x = xs[i];
      let z = 0;
      for (let k = 0; k < d; k++) z += w[k] * x[k];
      const y1 = samples[i].label >= 1 ? 1 : 0;
      const y2 = samples[i].label === 2 ? 1 : 0;
      const e1 = sigmoid(z - theta1) - y1;
      const e2 = sigmoid(z - theta2) - y2;
      for (let k = 0; k < d; k++) gw[k] += (e1 + e2) * x[k];
      g1 -= e1;
      g2 -= e2;
    }
    for (let k = 0; k < d; k++) {
      w[k] = used[k] ? Math.max(0, w[k] - opts.learningRate * (gw[k] / n + opts.l2 * w[k])) : 0;
    }
    theta1 -= opts.learningRate * (g1 / n);
    theta2 -= opts.learningRate * (g2 / n);
  }
  return { w, theta1, theta2 };
}

/**
 * Binary logistic regression, P(positive) = σ(w·x − θ), with the same penalty, bounds and descent as `regress`:
 * one of the two scores of a `two-scores` model.
 */
function regressBinary(
  samples: readonly FitSample[],
  positive: (label: Label) => boolean,
  opts: Required<FitOptions>,
): number[] {
  const xs = samples.map((s) => vector(s.signals));
  const ys = samples.map((s) => (positive(s.label) ? 1 : 0));
  const d = SIGNALS.length;
  const used = SIGNALS.map((name) => opts.signals.includes(name));
  const w = new Array<number>(d).fill(0);
  let theta = 0;
  const n = Math.max(1, samples.length);
  for (let it = 0; it < opts.iterations; it++) {
    const gw = new Array<number>(d).fill(0);
    let g = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      let z = 0;
      for (let k = 0; k < d; k++) z += w[k] * x[k];
      const e = sigmoid(z - theta) - ys[i];
      for (let k = 0; k < d; k++) gw[k] += e * x[k];
      g -= e;
    }
    for (let k = 0; k < d; k++) {
      w[k] = used[k] ? Math.max(0, w[k] - opts.learningRate * (gw[k] / n + opts.l2 * w[k])) : 0;
    }
    theta -= opts.learningRate * (g / n);
  }
  return w;
}

/**
 * The cut on `z` that classifies best: the samples at or above it are predicted positive (when `eligible`), and the
 * key — [precision ≥ minPrecision, F1] — of that prediction against `positive` is the highest; at the middle of the
 * gap between the two scores it separates.
 */
function bestCut(
  z: readonly number[],
  positive: readonly boolean[],
  eligible: readonly boolean[],
  minPrecision: number,
  fpWeight: readonly number[] = z.map(() => 1),
): number {
  const order = z.map((_, i) => i).sort((a, b) => z[b] - z[a]); // highest first
  const total = positive.filter(Boolean).length;
  let tp = 0;
  let fp = 0;
  let best = { key: [-1, -1], cut: z.length > 0 ? Math.max(...z) + 1 : 1 };
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (eligible[i]) {
      if (positive[i]) tp++;
      else fp += fpWeight[i];
    }
    // Cut only between distinct scores: everything down to order[k] is in.
    if (k + 1 < order.length && z[order[k + 1]] === z[i]) continue;
    const q = quality({ tp, fp, fn: total - tp });
    const key = [q.precision >= minPrecision ? 1 : 0, round6(q.f1)];
    const cut = k + 1 < order.length ? (z[i] + z[order[k + 1]]) / 2 : z[i] - 1;
    if (compareKeys(key, best.key) > 0) best = { key, cut };
  }
  return best.cut;
}

/** Score units per logit: a `two-scores` model's scores are `threshold + SCORE_PER_LOGIT × (z − cut)`. */
const SCORE_PER_LOGIT = 0.1;

function fitTwoScores(samples: readonly FitSample[], opts: Required<FitOptions>) {
  const xs = samples.map((s) => vector(s.signals));
  const dot = (w: number[], x: number[]) => x.reduce((acc, v, k) => acc + w[k] * v, 0);
  const wd = regressBinary(samples, (l) => l === 2, opts);
  const zd = xs.map((x) => dot(wd, x));
  const all = samples.map(() => true);
  const td = bestCut(
    zd,
    samples.map((s) => s.label === 2),
    all,
    opts.minDuplicatePrecision,
  );
  // The OVERLAP score learns what is related at all (an overlap or a duplicate), and its cut is chosen for the
  // OVERLAP class among the pairs the DUPLICATE score leaves.
  const wo = regressBinary(samples, (l) => l >= 1, opts);
  const zo = xs.map((x) => dot(wo, x));
  const to = bestCut(
    zo,
    samples.map((s) => s.label === 1),
    zd.map((z) => z < td),
    0,
    samples.map((s) => (s.label === 0 ? opts.unrelatedWeight : 1)),
  );
  const scaled = (w: number[], cut: number, threshold: number) => ({
    weights: Object.fromEntries(SIGNALS.map((n, k) => [n, round6(SCORE_PER_LOGIT * w[k])])) as Record<
      SignalName,
      number
    >,
    intercept: round6(threshold - SCORE_PER_LOGIT * cut),
  });
  return { duplicate: scaled(wd, td, DUPLICATE_THRESHOLD), overlap: scaled(wo, to, OVERLAP_THRESHOLD) };
}

export interface ClassCounts {
  tp: number;
  fp: number;
  fn: number;
}

export interface ClassQuality extends ClassCounts {
  precision: number;
  recall: number;
  f1: number;
}

export function quality(c: ClassCounts): ClassQuality {
  const precision = c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...c, precision, recall, f1 };
}

/** Counts per class of predicted against expected labels. */
export function countsOf(pairs: readonly { expected: Label; predicted: Label }[]): {
  duplicate: ClassCounts;
  overlap: ClassCounts;
} {
  const duplicate = { tp: 0, fp: 0, fn: 0 };
  const overlap = { tp: 0, fp: 0, fn: 0 };
  for (const { expected, predicted } of pairs) {
    for (const [label, c] of [
      [2, duplicate],
      [1, overlap],
    ] as const) {
      if (predicted === label && expected === label) c.tp++;
      else if (predicted === label) c.fp++;
      else if (expected === label) c.fn++;
    }
  }
  return { duplicate, overlap };
}

/**
 * The cut points that classify `scored` best (step 2 above), in O(n²) over the boundaries between distinct scores,
 * each candidate counted in O(1) from prefix sums.
 */
function chooseThresholds(
  scored: readonly { z: number; label: Label }[],
  minPrecision: number,
): { t1: number; t2: number } {
  const sorted = [...scored].sort((a, b) => a.z - b.z);
  const n = sorted.length;
  // Boundaries: positions k where everything before k scores below everything from k on; cut value between them.
  const positions: number[] = [0];
  for (let k = 1; k < n; k++) if (sorted[k].z !== sorted[k - 1].z) positions.push(k);
  positions.push(n);
  const cutAt = (k: number) =>
    k === 0 ? sorted[0].z - 1 : k === n ? sorted[n - 1].z + 1 : (sorted[k - 1].z + sorted[k].z) / 2;
  const ones = [0];
  const twos = [0];
  for (const s of sorted) {
    ones.push(ones[ones.length - 1] + (s.label === 1 ? 1 : 0));
    twos.push(twos[twos.length - 1] + (s.label === 2 ? 1 : 0));
  }
  let best: { key: number[]; i: number; j: number } | undefined;
  for (const j of positions) {
    const dup = quality({ tp: twos[n] - twos[j], fp: n - j - (twos[n] - twos[j]), fn: twos[j] });
    for (const i of positions) {
      if (i > j) break;
      const tp = ones[j] - ones[i];
      const ov = quality({ tp, fp: j - i - tp, fn: ones[n] - tp });
      // Lexicographic: precision floor met, DUPLICATE F1, OVERLAP F1.
      const key = [dup.precision >= minPrecision ? 1 : 0, round6(dup.f1), round6(ov.f1)];
      if (!best || compareKeys(key, best.key) > 0) best = { key, i, j };
    }
  }
  if (!best) return { t1: 0, t2: 1 };
  const t1 = cutAt(best.i);
  const t2 = best.j === best.i ? t1 + 1e-6 : cutAt(best.j);
  return { t1, t2 };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function fitModel(
  samples: readonly FitSample[],
  meta: { version: string; fittedOn: string },
  options: FitOptions = {},
): MatchingModel {
  const opts: Required<FitOptions> = {
    l2: options.l2 ?? 0.003,
    iterations: options.iterations ?? 20_000,
    learningRate: options.learningRate ?? 2,
    minDuplicatePrecision: options.minDuplicatePrecision ?? 0.99,
    signals: options.signals ?? FITTED_SIGNALS,
    form: options.form ?? 'two-scores',
    unrelatedWeight: options.unrelatedWeight ?? 3,
  };
  if (samples.length === 0) throw new Error('fitModel: no scored pairs to fit on');
  if (opts.form === 'two-scores') {
    const { duplicate, overlap } = fitTwoScores(samples, opts);
    return {
      version: meta.version,
      ...duplicate,
      overlap,
      thresholds: { duplicate: DUPLICATE_THRESHOLD, overlap: OVERLAP_THRESHOLD },
      fittedOn: meta.fittedOn,
    };
  }
  const { w } = regress(samples, opts);
  const scored = samples.map((s) => ({
    z: vector(s.signals).reduce((acc, x, k) => acc + w[k] * x, 0),
    label: s.label,
  }));
  const { t1, t2 } = chooseThresholds(scored, opts.minDuplicatePrecision);
  const scale = (DUPLICATE_THRESHOLD - OVERLAP_THRESHOLD) / (t2 - t1);
  const intercept = OVERLAP_THRESHOLD - scale * t1;
  const weights = Object.fromEntries(SIGNALS.map((n, k) => [n, round6(scale * w[k])])) as Record<SignalName, number>;
  return {
    version: meta.version,
    weights,
    intercept: round6(intercept),
    thresholds: { duplicate: DUPLICATE_THRESHOLD, overlap: OVERLAP_THRESHOLD },
    fittedOn: meta.fittedOn,
  };
}
