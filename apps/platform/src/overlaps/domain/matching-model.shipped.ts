import type { MatchingModel } from './matching-model';

/**
 * The model in the code: used until an operator applies another (`npm run matching:refit -- --apply`).
 * Written by `npm run matching:fit -- --write` from the calibration part of the labelled set (test/fixtures/matching);
 * do not edit by hand — docs/matching.md.
 */
export const SHIPPED_MODEL: MatchingModel = {
  version: 'shipped-2026-12-02',
  weights: {
    title: 0.031703,
    titleContainment: 0.010931,
    countries: 0.019753,
    sameDates: 0,
    nearDates: 0,
    exactDates: 0,
    sameSchedule: 0,
    kind: 0,
    stream: 0.11011,
    organisations: 0.074642,
    codeName: 0.011224,
    titleAbove: 0.003771,
    titleAndSameDates: 0.070465,
    titleAndNearDates: 0.022743,
    titleAndExactDates: 0,
    titleAndSameSchedule: 0,
    titleAndCountries: 0,
    titleAndKind: 0.06081,
    titleAndStream: 0.022514,
    titleAndOrganisations: 0,
    containmentAndSameDates: 0.066773,
  },
  intercept: 0.450232,
  thresholds: {
    duplicate: 0.8,
    overlap: 0.6,
  },
  fittedOn: '232 labelled pairs (calibration part of test/fixtures/matching; 179 scored)',
};
