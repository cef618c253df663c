import type { MatchingModel } from './matching-model';

/**
 * The model in the code: used until an operator applies another (`npm run matching:refit -- --apply`).
 * Written by `npm run matching:fit -- --write` from the calibration part of the labelled set (test/fixtures/matching);
 * do not edit by hand — docs/matching.md.
 */
export const SHIPPED_MODEL: MatchingModel = {
  version: 'shipped-2026-12-03',
  weights: {
    title: 0.035251,
    titleContainment: 0.08492,
    countries: 0.007332,
    sameDates: 0,
    nearDates: 0.012553,
    exactDates: 0.158409,
    sameSchedule: 0.29014,
    kind: 0.139364,
    stream: 0,
    organisations: 0.094085,
    codeName: 0.004398,
    titleAbove: 0.022713,
    titleAndSameDates: 0.032358,
    titleAndNearDates: 0.046405,
    titleAndExactDates: 0.072671,
    titleAndSameSchedule: 0.225889,
    titleAndCountries: 0,
    titleAndKind: 0.127711,
    titleAndStream: 0.015884,
    titleAndOrganisations: 0,
    containmentAndSameDates: 0.082301,
  },
  intercept: -0.078398,
  overlap: {
    weights: {
      title: 0.140226,
      titleContainment: 0.144438,
      countries: 0,
      sameDates: 0,
      nearDates: 0,
      exactDates: 0.074781,
      sameSchedule: 0,
      kind: 0,
      stream: 0.215548,
      organisations: 0.01926,
      codeName: 0.00107,
      titleAbove: 0.116853,
      titleAndSameDates: 0,
      titleAndNearDates: 0.072767,
      titleAndExactDates: 0.040962,
      titleAndSameSchedule: 0,
      titleAndCountries: 0,
      titleAndKind: 0.093202,
      titleAndStream: 0.176492,
      titleAndOrganisations: 0,
      containmentAndSameDates: 0,
    },
    intercept: 0.33717,
  },
  thresholds: {
    duplicate: 0.8,
    overlap: 0.6,
  },
  fittedOn: '232 labelled pairs (calibration part of test/fixtures/matching; 179 scored)',
};
