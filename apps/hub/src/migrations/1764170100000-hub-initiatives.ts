import { sqlMigration } from '@ctp/persistence';

export const HubInitiatives1764170100000 = sqlMigration('HubInitiatives1764170100000', {
  up: [
    `
      CREATE TABLE initiatives (
        initiative_id text PRIMARY KEY,
        version       integer NOT NULL CHECK (version >= 1),
        status        text NOT NULL,
        withdrawn     boolean NOT NULL DEFAULT false,
        snapshot      jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`,
  ],
  down: [`DROP TABLE initiatives`],
});
