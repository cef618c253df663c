import { sqlMigration } from '@ctp/persistence';

/** What reconciliation knows of each source: its last digest, ours, whether they matched, the last repair. */
export const SyncSources1764171000000 = sqlMigration('SyncSources1764171000000', {
  up: [
    `
      CREATE TABLE sync_sources (
        source            text PRIMARY KEY,
        source_digest     jsonb NOT NULL,
        platform_digest   jsonb NOT NULL,
        matched           boolean NOT NULL,
        checked_at        timestamptz NOT NULL,
        checks            integer NOT NULL DEFAULT 1,
        last_mismatch_at  timestamptz,
        last_repair       jsonb,
        repaired_total    integer NOT NULL DEFAULT 0
      )`,
    `CREATE INDEX registry_source ON registry_initiatives (source, initiative_id)`,
  ],
  down: [`DROP INDEX registry_source`, `DROP TABLE sync_sources`],
});
