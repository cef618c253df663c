import { sqlMigration } from '@ctp/persistence';

export const Registry1764170200000 = sqlMigration('Registry1764170200000', {
  up: [
    `
      CREATE TABLE registry_initiatives (
        initiative_id      text PRIMARY KEY,
        source             text NOT NULL,
        version            integer NOT NULL,
        withdrawn          boolean NOT NULL DEFAULT false,
        snapshot           jsonb NOT NULL,
        first_reported_at  timestamptz NOT NULL,
        last_reported_at   timestamptz NOT NULL,
        last_event_id      text NOT NULL,
        applied_at         timestamptz NOT NULL DEFAULT now()
      )`,
    // Every applied version, in the order applied: provenance, and the proof that no event was applied twice.
    `
      CREATE TABLE registry_versions (
        id             bigserial PRIMARY KEY,
        initiative_id  text NOT NULL,
        version        integer NOT NULL,
        source         text NOT NULL,
        event_id       text NOT NULL,
        event_type     text NOT NULL,
        reported_at    timestamptz NOT NULL,
        applied_at     timestamptz NOT NULL DEFAULT now()
      )`,
    `CREATE INDEX registry_versions_initiative ON registry_versions (initiative_id, version)`,
  ],
  down: [`DROP TABLE registry_versions`, `DROP TABLE registry_initiatives`],
});
