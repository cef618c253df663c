import { createHash } from 'node:crypto';
import { ClassQuality, countsOf, FitSample, Label, quality } from './matching-fit';
import type { MatchCandidate } from './match-candidate';
import type { MatchingModel } from './matching-model';
import { comparePair, numericSignals, PairVerdict } from './pair-matcher';

/*
 * Judging a matching model on labelled pairs (docs/matching.md): the calibration/held-out split, the samples a model
 * is fitted on, and precision, recall and F1 per class, overall and per language pair.
 */

export interface LabelledCandidates {
  name: string;
  a: MatchCandidate;
  b: MatchCandidate;
  expected: 'DUPLICATE' | 'OVERLAP' | null;
}

export type Part = 'calibration' | 'held-out';

/** Share of the labelled pairs in the calibration part; the rest is held out. */
export const CALIBRATION_SHARE = 0.6;

/**
 * Which part a labelled pair belongs to, from its name alone (a hash), so that adding pairs never moves the others
 * from one part to the other.
 */
export function partOf(name: string): Part {
  const h = createHash('sha256').update(name).digest().readUInt32BE(0);
  return h / 2 ** 32 < CALIBRATION_SHARE ? 'calibration' : 'held-out';
}

export const labelOf = (c: 'DUPLICATE' | 'OVERLAP' | null): Label => (c === 'DUPLICATE' ? 2 : c === 'OVERLAP' ? 1 : 0);
const NAMES = ['none', 'OVERLAP', 'DUPLICATE'] as const;

/** The languages of the two records' main titles, e.g. `en–fr` (sorted; `fr–fr` for the same language). */
export function languagePair(p: LabelledCandidates): string {
  return [p.a.titles[0]?.lang ?? '?', p.b.titles[0]?.lang ?? '?'].sort().join('–');
}

/** The pairs the rules leave to the score, as fitting samples (signals as the model weighs them). */
export function samplesOf(pairs: readonly LabelledCandidates[], model?: MatchingModel): FitSample[] {
  const out: FitSample[] = [];
  for (const p of pairs) {
    const v = comparePair(p.a, p.b, model);
    if (v.rule === 'SCORED' && v.signals) out.push({ signals: numericSignals(v.signals), label: labelOf(p.expected) });
  }
  return out;
}

export interface Judged {
  pair: LabelledCandidates;
  verdict: PairVerdict;
}

export interface Evaluation {
  pairs: number;
  duplicate: ClassQuality;
  overlap: ClassQuality;
  /** Per language pair: pairs, and the two classes' quality. */
  byLanguages: { languages: string; pairs: number; duplicate: ClassQuality; overlap: ClassQuality }[];
  /** Labelled pairs the model classifies otherwise than labelled. */
  misses: Judged[];
}

export function evaluate(pairs: readonly LabelledCandidates[], model?: MatchingModel): Evaluation {
  const judged: Judged[] = pairs.map((pair) => ({ pair, verdict: comparePair(pair.a, pair.b, model) }));
  const outcome = (j: Judged) => ({ expected: labelOf(j.pair.expected), predicted: labelOf(j.verdict.classification) });
  const overall = countsOf(judged.map(outcome));
  const groups = new Map<string, Judged[]>();
  for (const j of judged) {
    const key = languagePair(j.pair);
    const group = groups.get(key);
    if (group) group.push(j);
    else groups.set(key, [j]);
  }
  const byLanguages = [...groups]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([languages, js]) => {
      const c = countsOf(js.map(outcome));
      return { languages, pairs: js.length, duplicate: quality(c.duplicate), overlap: quality(c.overlap) };
    });
  return {
    pairs: judged.length,
    duplicate: quality(overall.duplicate),
    overlap: quality(overall.overlap),
    byLanguages,
    misses: judged.filter((j) => j.verdict.classification !== j.pair.expected),
  };
}

const pct = (x: number) => x.toFixed(3);

function row(label: string, q: ClassQuality): string {
  return `${label.padEnd(10)} P ${pct(q.precision)}  R ${pct(q.recall)}  F1 ${pct(q.f1)}  (tp ${q.tp}, fp ${q.fp}, fn ${q.fn})`;
}

/** A plain-text report: per class, per language pair, and the misclassified pairs. */
export function formatEvaluation(title: string, e: Evaluation): string {
  const lines = [
    `${title}: ${e.pairs} pairs`,
    row('DUPLICATE', e.duplicate),
    row('OVERLAP', e.overlap),
    'By language pair (DUPLICATE F1 · OVERLAP F1, n/a where the pair has none of the class):',
  ];
  for (const g of e.byLanguages) {
    const f = (q: ClassQuality) => (q.tp + q.fn + q.fp === 0 ? ' n/a ' : pct(q.f1));
    lines.push(`  ${g.languages.padEnd(6)} ${String(g.pairs).padStart(4)} pairs  ${f(g.duplicate)} · ${f(g.overlap)}`);
  }
  lines.push(e.misses.length ? 'Misclassified:' : 'Misclassified: none');
  for (const m of e.misses) {
    const v = m.verdict;
    lines.push(
      `  ${m.pair.name}: labelled ${NAMES[labelOf(m.pair.expected)]}, got ${NAMES[labelOf(v.classification)]} ` +
        `(${v.rule} ${v.score}${v.signals ? ` ${JSON.stringify(numericSignals(v.signals))}` : ''})`,
    );
  }
  return lines.join('\n');
}
