import { MigrationInterface, QueryRunner } from 'typeorm';

/** Columns the list filters use, and the Idempotency-Key store of POST /initiatives. */
export class HubInitiativeQueries1764170300000 implements MigrationInterface {
  name = 'HubInitiativeQueries1764170300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE initiatives
        ADD COLUMN primary_stream text,
        ADD COLUMN countries text[] NOT NULL DEFAULT '{}'`);
    await q.query(`
      UPDATE initiatives SET
        primary_stream = snapshot #>> '{actionStreams,primary}',
        countries = ARRAY(SELECT jsonb_array_elements_text(snapshot -> 'recipientCountries'))`);
    await q.query(`ALTER TABLE initiatives ALTER COLUMN primary_stream SET NOT NULL`);
    await q.query(`CREATE INDEX initiatives_status ON initiatives (status, initiative_id)`);
    await q.query(`CREATE INDEX initiatives_primary_stream ON initiatives (primary_stream, initiative_id)`);
    await q.query(`CREATE INDEX initiatives_countries ON initiatives USING gin (countries)`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        key           text PRIMARY KEY,
        request_hash  text NOT NULL,
        status_code   integer NOT NULL,
        response      jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP INDEX initiatives_countries`);
    await q.query(`DROP INDEX initiatives_primary_stream`);
    await q.query(`DROP INDEX initiatives_status`);
    await q.query(`ALTER TABLE initiatives DROP COLUMN countries, DROP COLUMN primary_stream`);
  }
}
