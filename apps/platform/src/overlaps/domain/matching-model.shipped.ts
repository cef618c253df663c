import type { MatchingModel } from './matching-model';

/**
 * The model in the code: used until an operator applies another (`npm run matching:refit -- --apply`).
 * Written by `npm run matching:fit -- --write` from the calibration part of the labelled set (test/fixtures/matching);
 * do not edit by hand — docs/matching.md.
 */
export const SHIPPED_MODEL: MatchingModel = {
  version: 'shipped-2026-12-02',
  weights: {
    title: 0.059023,
    countries: 0.028724,
    sameDates: 0,
    nearDates: 0,
    kind: 0,
    stream: 0.135847,
    organisations: 0.09243,
    codeName: 0.014467,
    titleAndSameDates: 0.131701,
    titleAndNearDates: 0.065837,
    titleAbove: 0.076529,
  },
  intercept: 0.436437,
  thresholds: {
    duplicate: 0.8,
    overlap: 0.6,
  },
  fittedOn: '232 labelled pairs (calibration part of test/fixtures/matching; 179 scored)',
};
