import { MigrationInterface, QueryRunner } from 'typeorm';

/** The partner registry and the partners' own initiatives (owned here: partner-liaison assigns their versions). */
export class Partners1764170800000 implements MigrationInterface {
  name = 'Partners1764170800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE partners (
        ref            text PRIMARY KEY,
        code           text NOT NULL UNIQUE,
        name           text NOT NULL,
        acronym        text NOT NULL,
        type           text NOT NULL,
        regions        text[] NOT NULL,
        agreement      text,
        webhook_url    text,
        webhook_secret text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    // A partner's own initiatives: the snapshot as last versioned here (what the last event carried).
    await q.query(`
      CREATE TABLE partner_initiatives (
        initiative_id text PRIMARY KEY,
        partner_ref   text NOT NULL REFERENCES partners (ref),
        local_id      text NOT NULL,
        version       integer NOT NULL CHECK (version >= 1),
        status        text NOT NULL,
        withdrawn     boolean NOT NULL DEFAULT false,
        snapshot      jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    // initiative_id is <partner_ref>-<local_id>: unique per partner already. This serves one partner's list.
    await q.query(`CREATE INDEX partner_initiatives_partner ON partner_initiatives (partner_ref, initiative_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE partner_initiatives`);
    await q.query(`DROP TABLE partners`);
  }
}
