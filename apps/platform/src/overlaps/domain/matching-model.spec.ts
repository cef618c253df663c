import { FitSample, fitModel, Label } from './matching-fit';
import { classify, MatchingModel, modelProblems, scoreOf, SIGNALS, SignalName } from './matching-model';

const zero = () => Object.fromEntries(SIGNALS.map((s) => [s, 0])) as Record<SignalName, number>;
const signals = (values: Partial<Record<SignalName, number>>) => ({ ...zero(), ...values });

/** DUPLICATE when the dates are exactly the same and the titles alike; OVERLAP when only the titles are. */
const TWO_SCORES: MatchingModel = {
  version: 'test-two-scores',
  weights: { ...zero(), titleAndExactDates: 0.5 },
  intercept: 0.4,
  overlap: { weights: { ...zero(), title: 0.6 }, intercept: 0.2 },
  thresholds: { duplicate: 0.8, overlap: 0.6 },
  fittedOn: 'by hand',
};

describe('scoreOf and classify, a model with an OVERLAP score of its own', () => {
  it('takes the DUPLICATE score when it reaches its threshold', () => {
    const s = scoreOf(TWO_SCORES, signals({ title: 0.9, titleAndExactDates: 0.9 }));
    expect(s).toBeCloseTo(0.85, 6);
    expect(classify(TWO_SCORES, s)).toBe('DUPLICATE');
  });

  it('gives the other pairs their OVERLAP score, kept below the DUPLICATE threshold', () => {
    // Alike titles, other dates: the DUPLICATE score 0.4, the OVERLAP score 0.2 + 0.6 × 1 = 0.8 → just below 0.8.
    const s = scoreOf(TWO_SCORES, signals({ title: 1 }));
    expect(s).toBeLessThan(0.8);
    // Stored with 3 decimals (overlap_pairs.score), it still reads below the DUPLICATE threshold.
    expect(Math.round(s * 1e3) / 1e3).toBeLessThan(0.8);
    expect(classify(TWO_SCORES, s)).toBe('OVERLAP');
    expect(classify(TWO_SCORES, scoreOf(TWO_SCORES, signals({ title: 0.5 })))).toBeNull();
  });

  it('reads a model without one as one score for both cuts', () => {
    const { overlap: _none, ...one } = TWO_SCORES;
    expect(scoreOf(one, signals({ title: 1 }))).toBeCloseTo(0.4, 6);
  });
});

describe('modelProblems', () => {
  it('accepts a model with or without an OVERLAP score, and names what is wrong in one', () => {
    expect(modelProblems(TWO_SCORES)).toEqual([]);
    const { overlap: _none, ...one } = TWO_SCORES;
    expect(modelProblems(one)).toEqual([]);
    expect(
      modelProblems({ ...TWO_SCORES, overlap: { weights: { ...zero(), title: -1, bogus: 1 }, intercept: 'x' } }),
    ).toEqual([
      'overlap.weights.title: must be a number ≥ 0',
      'overlap.weights.bogus: unknown',
      'overlap.intercept: must be a number',
    ]);
    expect(modelProblems({ ...TWO_SCORES, overlap: null })).toEqual(['overlap: must be an object when present']);
  });

  it('refuses thresholds that are not finite or leave no room for OVERLAP', () => {
    for (const thresholds of [
      { duplicate: Infinity, overlap: 0.6 },
      { duplicate: 0.8, overlap: -Infinity },
      { duplicate: 0.8, overlap: 0.8 },
      { duplicate: 0.8, overlap: 0.7995 },
    ]) {
      expect(modelProblems({ ...TWO_SCORES, thresholds })).toEqual([
        'thresholds: overlap and duplicate must be finite numbers, overlap < duplicate − 0.001',
      ]);
    }
  });

  it('accepts a model stored before the signals added on 2026-12-03, which weighs them 0', () => {
    const later = [
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
    ];
    const older = Object.fromEntries(Object.entries(zero()).filter(([k]) => !later.includes(k)));
    const { overlap: _none, ...one } = TWO_SCORES;
    expect(modelProblems({ ...one, weights: older })).toEqual([]);
    // A signal that always existed is still required.
    const { title: _t, ...withoutTitle } = older;
    expect(modelProblems({ ...one, weights: withoutTitle })).toEqual(['weights.title: must be a number ≥ 0']);
  });
});

describe('fitModel, two scores', () => {
  // Duplicates: alike titles and the same days; overlaps: alike titles, other days; none: unrelated titles.
  const samples: FitSample[] = [];
  const add = (n: number, label: Label, title: number, exact: number) => {
    for (let i = 0; i < n; i++) {
      const t = title + (i % 5) * 0.02;
      samples.push({ label, signals: signals({ title: t, exactDates: exact, titleAndExactDates: t * exact }) });
    }
  };
  add(20, 2, 0.7, 1);
  add(20, 1, 0.6, 0);
  add(20, 0, 0.1, 0);
  add(10, 0, 0.1, 1);

  it('tells the three classes apart with one score for each cut, on the documented thresholds', () => {
    const m = fitModel(samples, { version: 'v', fittedOn: 'synthetic' });
    expect(m.overlap).toBeDefined();
    expect(m.thresholds).toEqual({ duplicate: 0.8, overlap: 0.6 });
    const predicted = samples.map((s) => classify(m, scoreOf(m, s.signals)));
    const expected = samples.map((s) => (s.label === 2 ? 'DUPLICATE' : s.label === 1 ? 'OVERLAP' : null));
    expect(predicted).toEqual(expected);
    for (const w of [...Object.values(m.weights), ...Object.values(m.overlap!.weights)])
      expect(w).toBeGreaterThanOrEqual(0);
  });

  it('fits the one-score form when asked (no OVERLAP score)', () => {
    const m = fitModel(samples, { version: 'v', fittedOn: 'synthetic' }, { form: 'one-score' });
    expect(m.overlap).toBeUndefined();
  });
});
