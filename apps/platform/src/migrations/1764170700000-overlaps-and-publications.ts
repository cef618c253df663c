import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pairs of records from different reporters that the detector flagged (DUPLICATE or OVERLAP), with the analyst's
 * decision that overrides the score; and the digest of the last rollup published, so an unchanged rollup is not
 * published again.
 */
export class OverlapsAndPublications1764170700000 implements MigrationInterface {
  name = 'OverlapsAndPublications1764170700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
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
      )`);
    await q.query(`CREATE INDEX overlap_pairs_b ON overlap_pairs (b_id)`);
    await q.query(`CREATE INDEX overlap_pairs_effective ON overlap_pairs (effective, id)`);
    await q.query(`
      CREATE TABLE platform_publications (
        kind          text PRIMARY KEY,
        digest        text NOT NULL,
        published_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE platform_publications`);
    await q.query(`DROP TABLE overlap_pairs`);
  }
}
