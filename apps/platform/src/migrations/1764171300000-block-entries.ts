import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blocking as an equi-join. One narrow row per live record and blocking key (`<country>:<YYYY-MM>`), with the columns
 * the candidate filter needs. A batch's changed records find their candidates by joining their keys to this table
 * (hashed: a popular country-month is read once per batch, not once per changed record), without touching the wide
 * registry rows. It replaces the GIN index on `registry_initiatives.block_keys`, which the planner also passed over
 * for the countries index and then rechecked every record of the country against the wide rows.
 */
export class BlockEntries1764171300000 implements MigrationInterface {
  name = 'BlockEntries1764171300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry_block_entries (
        block_key text NOT NULL,
        initiative_id text NOT NULL,
        reporter text NOT NULL,
        primary_stream text NOT NULL,
        secondary_streams text[] NOT NULL,
        start_date date NOT NULL,
        end_date date NOT NULL,
        PRIMARY KEY (block_key, initiative_id)
      )`);
    await q.query(`CREATE INDEX registry_block_entries_initiative ON registry_block_entries (initiative_id)`);
    await q.query(`
      INSERT INTO registry_block_entries
      SELECT k, initiative_id, reporter, primary_stream, secondary_streams, start_date, end_date
        FROM registry_initiatives, unnest(block_keys) AS k
       WHERE NOT withdrawn AND primary_stream IS NOT NULL AND start_date IS NOT NULL AND end_date IS NOT NULL
      ON CONFLICT DO NOTHING`);
    await q.query(`DROP INDEX IF EXISTS registry_block_keys`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX registry_block_keys ON registry_initiatives USING gin (block_keys) WITH (fastupdate = off) WHERE NOT withdrawn`,
    );
    await q.query(`DROP TABLE registry_block_entries`);
  }
}
