import type { MatchingModel } from './matching-model';

/**
 * The model in the code: used until an operator applies another (`npm run matching:refit -- --apply`).
 * Written by `npm run matching:fit` from the calibration part of the labelled set (test/fixtures/matching); do not
 * edit by hand — docs/matching.md.
 */
export const SHIPPED_MODEL: MatchingModel = {
  version: 'shipped-reference',
  weights: {
    title: 0.35,
    countries: 0.2,
    sameDates: 0.2,
    nearDates: 0,
    kind: 0.1,
    stream: 0.1,
    organisations: 0.05,
    codeName: 0.15,
  },
  intercept: 0,
  thresholds: { duplicate: 0.8, overlap: 0.6 },
  fittedOn: "DOMAIN.md's reference weights",
};
