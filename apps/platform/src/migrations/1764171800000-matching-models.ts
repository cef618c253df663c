import { sqlMigration } from '@ctp/persistence';

/**
 * `matching_models`: the matching models an operator applied (`npm run matching:refit -- --apply`), one row each,
 * never updated. The most recently applied valid one is the model in use (GET /overlaps/model); with none, the model
 * in the code (SHIPPED_MODEL). `model` holds the whole MatchingModel (version, weights, intercept, thresholds,
 * fittedOn), checked by `modelProblems` when read: a row that fails is ignored.
 */
export const MatchingModels1764171800000 = sqlMigration('MatchingModels1764171800000', {
  up: [
    `
      CREATE TABLE matching_models (
        version     text PRIMARY KEY,
        model       jsonb NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now(),
        applied_by  text NOT NULL,
        note        text
      )`,
  ],
  down: [`DROP TABLE matching_models`],
});
