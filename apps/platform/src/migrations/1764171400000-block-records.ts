import { sqlMigration } from '@ctp/persistence';

/**
 * Blocking stored as one narrow row per live record, `registry_block_records`, instead of one row per record and
 * blocking key (`registry_block_entries`, country × period).
 *
 * A row holds what blocking reads of a record's match candidate (reporter, streams, countries, dates), written by the
 * detection worker only when one of them changed and deleted when the record leaves (withdrawn, or without dates or
 * countries). The worker derives the keys in memory when it loads the rows (`BlockingIndex`, `filingCodesOf`). The
 * table of keys made the detection worker insert ~30 rows per new record: measured with pg_stat_statements at 500 new
 * records/s, 150,000 rows for 5,000 records, 280 ms per call, ~2 s of PostgreSQL time in 10 s.
 *
 * The new table is filled from the old one, whose rows of a record all carry the same columns and whose keys start
 * with the record's countries: so blocking finds exactly the same candidates as before, and no record needs comparing
 * again (re-queuing every record would have rebuilt the table batch by batch, clearing — and publishing as cleared —
 * each pair whose other record had not been re-added yet, until it was). A record whose old rows disagree (none
 * should) is queued, so that the worker writes its row from the record. Records already queued stay queued.
 * `detection_state.generation` is incremented, so a worker that still holds an index loads it again.
 *
 * `down` rebuilds the keys the code before this migration stored: countries × periods of the interval widened by
 * 15 days each side (half the 30-day window), by months up to 62 days, quarters up to 400, years beyond.
 */
export const BlockRecords1764171400000 = sqlMigration('BlockRecords1764171400000', {
  up: [
    `
      CREATE TABLE registry_block_records (
        initiative_id text PRIMARY KEY,
        reporter text NOT NULL,
        primary_stream text NOT NULL,
        secondary_streams text[] NOT NULL,
        countries text[] NOT NULL,
        start_date date NOT NULL,
        end_date date NOT NULL
      )`,
    // Countries and secondary streams sorted (by code point, as the worker sorts them), so an unchanged record
    // compares equal to its row.
    `
      INSERT INTO registry_block_records
      SELECT initiative_id, reporter, primary_stream,
             ARRAY(SELECT DISTINCT s COLLATE "C" FROM unnest(secondary_streams) AS s ORDER BY 1),
             ARRAY(SELECT DISTINCT split_part(k, ':', 1) COLLATE "C" FROM unnest(keys) AS k ORDER BY 1),
             start_date, end_date
        FROM (SELECT initiative_id, reporter, primary_stream, secondary_streams, start_date, end_date,
                     array_agg(block_key) AS keys, count(*) OVER (PARTITION BY initiative_id) AS variants
                FROM registry_block_entries
               GROUP BY initiative_id, reporter, primary_stream, secondary_streams, start_date, end_date) AS e
       WHERE variants = 1`,
    `
      INSERT INTO detection_queue (initiative_id)
      SELECT DISTINCT initiative_id FROM registry_block_entries e
       WHERE NOT EXISTS (SELECT 1 FROM registry_block_records r WHERE r.initiative_id = e.initiative_id)
       ORDER BY initiative_id`,
    `DROP TABLE registry_block_entries`,
    `UPDATE detection_state SET generation = generation + 1`,
  ],
  down: [
    `
      CREATE TABLE registry_block_entries (
        block_key text NOT NULL,
        reporter text NOT NULL,
        initiative_id text NOT NULL,
        primary_stream text NOT NULL,
        secondary_streams text[] NOT NULL,
        start_date date NOT NULL,
        end_date date NOT NULL,
        PRIMARY KEY (block_key, reporter, initiative_id)
      )`,
    `CREATE INDEX registry_block_entries_initiative ON registry_block_entries (initiative_id)`,
    `
      INSERT INTO registry_block_entries
      SELECT DISTINCT
             c || ':' || CASE l.len WHEN 'M' THEN to_char(p, '"M"YYYY-MM') WHEN 'Q' THEN to_char(p, '"Q"YYYY-Q')
                                    ELSE to_char(p, '"Y"YYYY') END,
             r.reporter, r.initiative_id, r.primary_stream, r.secondary_streams, r.start_date, r.end_date
        FROM registry_block_records r
             CROSS JOIN LATERAL (SELECT CASE WHEN r.end_date - r.start_date <= 62 THEN 'M'
                                             WHEN r.end_date - r.start_date <= 400 THEN 'Q' ELSE 'Y' END AS len) l
             CROSS JOIN LATERAL unnest(r.countries) AS c
             CROSS JOIN LATERAL generate_series(
               date_trunc(CASE l.len WHEN 'M' THEN 'month' WHEN 'Q' THEN 'quarter' ELSE 'year' END,
                          (r.start_date - 15)::timestamp),
               (r.end_date + 15)::timestamp,
               CASE l.len WHEN 'M' THEN interval '1 month' WHEN 'Q' THEN interval '3 months' ELSE interval '1 year' END
             ) AS p`,
    `DROP TABLE registry_block_records`,
    `UPDATE detection_state SET generation = generation + 1`,
  ],
});
