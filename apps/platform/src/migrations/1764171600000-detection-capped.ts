import { sqlMigration } from '@ctp/persistence';

/**
 * `detection_capped`: the records duplicate detection compared with fewer candidates than they have (more than
 * DETECTION_MAX_CANDIDATES, e.g. a programme over every country for ten years), for an analyst to look at
 * (`GET /overlaps/detection`). Written and cleared by the detection worker for the records each run compares: a row
 * stays while the record is over the cap, and goes when it is compared whole again, withdrawn or narrowed.
 */
export const DetectionCapped1764171600000 = sqlMigration('DetectionCapped1764171600000', {
  up: [
    `
      CREATE TABLE detection_capped (
        initiative_id text PRIMARY KEY,
        candidates int NOT NULL,
        compared int NOT NULL,
        cap int NOT NULL,
        flagged_at timestamptz NOT NULL DEFAULT now(),
        detected_at timestamptz NOT NULL DEFAULT now()
      )`,
  ],
  down: [`DROP TABLE detection_capped`],
});
