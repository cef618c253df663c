import { sqlMigration } from '@ctp/persistence';

/**
 * Pairs of records from different reporters that the detector flagged (DUPLICATE or OVERLAP), with the analyst's
 * decision that overrides the score; and the digest of the last rollup published, so an unchanged rollup is not
 * published again.
 */
export const OverlapsAndPublications1764170700000 = sqlMigration('OverlapsAndPublications1764170700000', {
  up: [
    `
      CREATE TABLE overlap_pairs (
        id               bigserial PRIMARY KEY,
        a_id             text NOT NULL,
        b_id             text NOT NULL CHECK (a_id < b_id),
        classification   text,
        score            double precision,
        rule             text,
        signals          jsonb,
        decision         text,
        decision_note    text,
        decided_at       timestamptz,
        effective        text,
        first_flagged_at timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        UNIQUE (a_id, b_id)
      )`,
    `CREATE INDEX overlap_pairs_b ON overlap_pairs (b_id)`,
    `CREATE INDEX overlap_pairs_effective ON overlap_pairs (effective, id)`,
    `
      CREATE TABLE platform_publications (
        kind          text PRIMARY KEY,
        digest        text NOT NULL,
        published_at  timestamptz NOT NULL DEFAULT now()
      )`,
  ],
  down: [`DROP TABLE platform_publications`, `DROP TABLE overlap_pairs`],
});
