import { sqlMigration } from '@ctp/persistence';

/**
 * Blocking keys for duplicate detection: one `<country>:<YYYY-MM>` per recipient country and per month that the
 * record's matching interval, widened by half the 30-day window on each side, touches. Two records whose intervals are
 * at most 30 days apart and that share a country share a key, so a GIN lookup on the keys finds every candidate while
 * visiting only records of the same place and time, not every record of the same country.
 */
export const BlockingKeys1764171200000 = sqlMigration('BlockingKeys1764171200000', {
  up: [
    `ALTER TABLE registry_initiatives ADD COLUMN block_keys text[] NOT NULL DEFAULT '{}'`,
    `
      UPDATE registry_initiatives SET block_keys = ARRAY(
        SELECT DISTINCT c || ':' || to_char(m, 'YYYY-MM')
          FROM unnest(countries) AS c,
               generate_series(date_trunc('month', start_date - 15), end_date + 15, interval '1 month') AS m)
       WHERE start_date IS NOT NULL AND end_date IS NOT NULL`,
    `CREATE INDEX registry_block_keys ON registry_initiatives USING gin (block_keys) WITH (fastupdate = off) WHERE NOT withdrawn`,
  ],
  down: [`DROP INDEX registry_block_keys`, `ALTER TABLE registry_initiatives DROP COLUMN block_keys`],
});
