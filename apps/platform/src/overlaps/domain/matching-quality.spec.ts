import { labelledCandidates } from '../../../../../test/fixtures/matching';
import { evaluate, formatEvaluation, partOf, samplesOf } from './matching-evaluation';
import { fitModel } from './matching-fit';
import { SHIPPED_MODEL } from './matching-model.shipped';

/*
 * The quality gate (docs/matching.md): the shipped model, fitted on the calibration part of the labelled set, judged
 * on the held-out part it never saw. The floors are the (#15): DUPLICATE F1 ≥ 0.95 with precision ≥ 0.98,
 * OVERLAP F1 ≥ 0.85. The report is printed on every run.
 */
const QUALITY_FLOORS = { duplicateF1: 0.95, duplicatePrecision: 0.98, overlapF1: 0.85 } as const;

describe('matching quality on the labelled set (test/fixtures/matching)', () => {
  const pairs = labelledCandidates();
  const calibration = pairs.filter((p) => partOf(p.name) === 'calibration');
  const heldOut = pairs.filter((p) => partOf(p.name) === 'held-out');

  it('has at least 300 labelled pairs, split about 60/40, every class in both parts', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(300);
    expect(calibration.length / pairs.length).toBeGreaterThan(0.5);
    expect(calibration.length / pairs.length).toBeLessThan(0.7);
    for (const part of [calibration, heldOut]) {
      for (const c of ['DUPLICATE', 'OVERLAP', null])
        expect(part.filter((p) => p.expected === c).length).toBeGreaterThan(20);
    }
  });

  it('ships the model fitted on the calibration part (npm run matching:fit -- --write)', () => {
    const fitted = fitModel(samplesOf(calibration), {
      version: SHIPPED_MODEL.version,
      fittedOn: SHIPPED_MODEL.fittedOn,
    });
    expect(SHIPPED_MODEL).toEqual(fitted);
  });

  it('meets the floors on the held-out part', () => {
    const e = evaluate(heldOut, SHIPPED_MODEL);
    console.log(
      [
        formatEvaluation('Held-out part', e),
        `Floors: DUPLICATE F1 ≥ ${QUALITY_FLOORS.duplicateF1}, precision ≥ ${QUALITY_FLOORS.duplicatePrecision}; ` +
          `OVERLAP F1 ≥ ${QUALITY_FLOORS.overlapF1}`,
      ].join('\n'),
    );
    expect(e.duplicate.f1).toBeGreaterThanOrEqual(QUALITY_FLOORS.duplicateF1);
    expect(e.duplicate.precision).toBeGreaterThanOrEqual(QUALITY_FLOORS.duplicatePrecision);
    expect(e.overlap.f1).toBeGreaterThanOrEqual(QUALITY_FLOORS.overlapF1);
  });
});
