import type { MatchingModel } from './matching-model';

/**
 * The model in the code: used until an operator applies another (`npm run matching:refit -- --apply`).
 * Written by `npm run matching:fit -- --write` from the calibration part of the labelled set (test/fixtures/matching);
 * do not edit by hand — docs/matching.md.
 */
export const SHIPPED_MODEL: MatchingModel = {
  version: 'shipped-2026-12-03',
  weights: {
    title: 0.037039,
    titleContainment: 0.052818,
    samePlace: 0.052732,
    titleAndSamePlace: 0.070356,
    countries: 0.005912,
    sameDates: 0.000184,
    nearDates: 0.019251,
    exactDates: 0.151325,
    sameSchedule: 0.287444,
    kind: 0.145286,
    stream: 0.004026,
    organisations: 0.08377,
    codeName: 0.00337,
    titleAbove: 0.024137,
    titleAndSameDates: 0.061298,
    titleAndNearDates: 0.05454,
    titleAndExactDates: 0.060888,
    titleAndSameSchedule: 0.209749,
    titleAndCountries: 0,
    titleAndKind: 0.133446,
    titleAndStream: 0.026925,
    titleAndOrganisations: 0,
    containmentAndSameDates: 0.081716,
  },
  intercept: -0.173453,
  overlap: {
    weights: {
      title: 0.116601,
      titleContainment: 0.118317,
      samePlace: 0,
      titleAndSamePlace: 0.105033,
      countries: 0,
      sameDates: 0,
      nearDates: 0,
      exactDates: 0.079846,
      sameSchedule: 0,
      kind: 0,
      stream: 0.230644,
      organisations: 0.020655,
      codeName: 0.001106,
      titleAbove: 0.084019,
      titleAndSameDates: 0,
      titleAndNearDates: 0.047711,
      titleAndExactDates: 0.043822,
      titleAndSameSchedule: 0,
      titleAndCountries: 0,
      titleAndKind: 0.073644,
      titleAndStream: 0.170349,
      titleAndOrganisations: 0,
      containmentAndSameDates: 0,
    },
    intercept: 0.319072,
  },
  thresholds: {
    duplicate: 0.8,
    overlap: 0.6,
  },
  fittedOn: '232 labelled pairs (calibration part of test/fixtures/matching; 179 scored)',
};
