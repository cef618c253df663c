import { sqlMigration } from '@ctp/persistence';

/** Columns the list filters use, and the Idempotency-Key store of POST /initiatives. */
export const HubInitiativeQueries1764170300000 = sqlMigration('HubInitiativeQueries1764170300000', {
  up: [
    `
      ALTER TABLE initiatives
        ADD COLUMN primary_stream text,
        ADD COLUMN countries text[] NOT NULL DEFAULT '{}'`,
    `
      UPDATE initiatives SET
        primary_stream = snapshot #>> '{actionStreams,primary}',
        countries = ARRAY(SELECT jsonb_array_elements_text(snapshot -> 'recipientCountries'))`,
    `ALTER TABLE initiatives ALTER COLUMN primary_stream SET NOT NULL`,
    `CREATE INDEX initiatives_status ON initiatives (status, initiative_id)`,
    `CREATE INDEX initiatives_primary_stream ON initiatives (primary_stream, initiative_id)`,
    `CREATE INDEX initiatives_countries ON initiatives USING gin (countries)`,
    `
      CREATE TABLE idempotency_keys (
        key           text PRIMARY KEY,
        request_hash  text NOT NULL,
        status_code   integer NOT NULL,
        response      jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`,
  ],
  down: [
    `DROP TABLE idempotency_keys`,
    `DROP INDEX initiatives_countries`,
    `DROP INDEX initiatives_primary_stream`,
    `DROP INDEX initiatives_status`,
    `ALTER TABLE initiatives DROP COLUMN countries, DROP COLUMN primary_stream`,
  ],
});
