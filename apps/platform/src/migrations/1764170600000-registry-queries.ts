import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the registry's filters, rollups and duplicate detection read, as columns: region, reporter, kind, status,
 * streams, countries, capabilities, the interval used for matching, the ids a record names, and its cluster.
 */
export class RegistryQueries1764170600000 implements MigrationInterface {
  name = 'RegistryQueries1764170600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE registry_initiatives
        ADD COLUMN reporter          text,
        ADD COLUMN reporter_type     text,
        ADD COLUMN region            text,
        ADD COLUMN kind              text,
        ADD COLUMN status            text,
        ADD COLUMN primary_stream    text,
        ADD COLUMN secondary_streams text[] NOT NULL DEFAULT '{}',
        ADD COLUMN countries         text[] NOT NULL DEFAULT '{}',
        ADD COLUMN capabilities      text[] NOT NULL DEFAULT '{}',
        ADD COLUMN start_date        date,
        ADD COLUMN end_date          date,
        ADD COLUMN linked_ids        text[] NOT NULL DEFAULT '{}',
        ADD COLUMN cluster_id        text`);
    await q.query(`
      UPDATE registry_initiatives SET
        reporter = snapshot #>> '{reportingOrg,ref}',
        reporter_type = snapshot #>> '{reportingOrg,type}',
        region = CASE WHEN snapshot #>> '{reportingOrg,ref}' LIKE 'IP-HUB-%'
                      THEN substr(snapshot #>> '{reportingOrg,ref}', 8) ELSE 'GLB' END,
        kind = snapshot ->> 'kind',
        status = snapshot ->> 'status',
        primary_stream = snapshot #>> '{actionStreams,primary}',
        countries = ARRAY(SELECT jsonb_array_elements_text(coalesce(snapshot -> 'recipientCountries', '[]')))`);
    await q.query(
      `CREATE INDEX registry_rollup ON registry_initiatives (region, primary_stream, status) WHERE NOT withdrawn`,
    );
    await q.query(`CREATE INDEX registry_countries ON registry_initiatives USING gin (countries) WHERE NOT withdrawn`);
    await q.query(`CREATE INDEX registry_linked ON registry_initiatives USING gin (linked_ids) WHERE NOT withdrawn`);
    await q.query(`CREATE INDEX registry_cluster ON registry_initiatives (cluster_id) WHERE cluster_id IS NOT NULL`);
    await q.query(`CREATE INDEX registry_reporter ON registry_initiatives (reporter, initiative_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const i of [
      'registry_rollup',
      'registry_countries',
      'registry_linked',
      'registry_cluster',
      'registry_reporter',
    ]) {
      await q.query(`DROP INDEX ${i}`);
    }
    await q.query(`
      ALTER TABLE registry_initiatives
        DROP COLUMN reporter, DROP COLUMN reporter_type, DROP COLUMN region, DROP COLUMN kind, DROP COLUMN status,
        DROP COLUMN primary_stream, DROP COLUMN secondary_streams, DROP COLUMN countries, DROP COLUMN capabilities,
        DROP COLUMN start_date, DROP COLUMN end_date, DROP COLUMN linked_ids, DROP COLUMN cluster_id`);
  }
}
