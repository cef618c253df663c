import type { MatchingModel } from './matching-model';

/**
 * The model in the code: used until an operator applies another (`npm run matching:refit -- --apply`).
 * Written by `npm run matching:fit -- --write` from the calibration part of the labelled set (test/fixtures/matching);
 * do not edit by hand — docs/matching.md.
 */
export const SHIPPED_MODEL: MatchingModel = {
  version: 'shipped-2026-12-02',
  weights: {
    title: 0.021943,
    countries: 0.018851,
    sameDates: 0,
    nearDates: 0,
    kind: 0,
    stream: 0.135748,
    organisations: 0.095006,
    codeName: 0.014252,
    titleAbove: 0.055827,
    titleAndSameDates: 0.141773,
    titleAndNearDates: 0.043631,
    titleAndCountries: 0,
    titleAndKind: 0.067241,
    titleAndStream: 0.018466,
    titleAndOrganisations: 0,
  },
  intercept: 0.429869,
  thresholds: {
    duplicate: 0.8,
    overlap: 0.6,
  },
  fittedOn: '232 labelled pairs (calibration part of test/fixtures/matching; 179 scored)',
};
