import { sqlMigration } from '@ctp/persistence';

/** The partner registry and the partners' own initiatives (owned here: partner-liaison assigns their versions). */
export const Partners1764170800000 = sqlMigration('Partners1764170800000', {
  up: [
    `
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
      )`,
    // A partner's own initiatives: the snapshot as last versioned here (what the last event carried).
    `
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
      )`,
    // initiative_id is <partner_ref>-<local_id>: unique per partner already. This serves one partner's list.
    `CREATE INDEX partner_initiatives_partner ON partner_initiatives (partner_ref, initiative_id)`,
  ],
  down: [`DROP TABLE partner_initiatives`, `DROP TABLE partners`],
});
