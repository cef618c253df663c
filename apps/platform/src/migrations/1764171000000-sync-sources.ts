import { MigrationInterface, QueryRunner } from 'typeorm';

/** What reconciliation knows of each source: its last digest, ours, whether they matched, the last repair. */
export class SyncSources1764171000000 implements MigrationInterface {
  name = 'SyncSources1764171000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
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
      )`);
    await q.query(`CREATE INDEX registry_source ON registry_initiatives (source, initiative_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX registry_source`);
    await q.query(`DROP TABLE sync_sources`);
  }
}
