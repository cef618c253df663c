import { sqlMigration } from '@ctp/persistence';

/**
 * Duplicate detection as its own stage, with its own blocking table.
 *
 * - `detection_queue`: applying an event writes the registry and, in the same transaction, queues the record when
 *   what the matcher reads of it changed (`registry_initiatives.match_fingerprint`). The detection worker drains the
 *   queue in large batches in its own transactions, so the consumer's batches stay short.
 * - `registry_block_entries`: one narrow row per live record and blocking key (country × period, the period a month,
 *   a quarter or a year by the record's length), written by the detection worker from the record's match candidate.
 *   The worker keeps it in memory (checked against `detection_state.generation`) and looks candidates up there. It
 *   replaces the `block_keys` column and its GIN index.
 *
 * - `registry_clusters`: the duplicate cluster of each clustered record, written only by detection and analysts'
 *   decisions, so that they never touch (and never wait for) the registry rows the consumer is writing.
 *
 * - `rollup_facts`: what the rollups count of each live record (region, stream, status, kind, capabilities,
 *   countries), one narrow row each, written with the registry row; GET /rollups reads it with the clusters instead of
 *   scanning the wide registry rows (snapshots inline) while the consumer writes them.
 *
 * Every stored record is queued once, so the worker builds the blocking table (and re-checks the pairs) on its own.
 */
export const DetectionStage1764171300000 = sqlMigration('DetectionStage1764171300000', {
  up: [
    `
      CREATE TABLE detection_queue (
        seq bigserial PRIMARY KEY,
        initiative_id text NOT NULL,
        queued_at timestamptz NOT NULL DEFAULT now()
      )`,
    `ALTER TABLE registry_initiatives ADD COLUMN match_fingerprint text`,
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
    // Incremented by every detection run: a worker keeps the blocking entries in memory only while nobody else ran.
    `CREATE TABLE detection_state (id int PRIMARY KEY CHECK (id = 1), generation bigint NOT NULL)`,
    `INSERT INTO detection_state VALUES (1, 0)`,
    `DROP INDEX IF EXISTS registry_block_keys`,
    `CREATE TABLE registry_clusters (initiative_id text PRIMARY KEY, cluster_id text NOT NULL)`,
    `CREATE INDEX registry_clusters_cluster ON registry_clusters (cluster_id)`,
    `INSERT INTO registry_clusters SELECT initiative_id, cluster_id FROM registry_initiatives WHERE cluster_id IS NOT NULL`,
    `DROP INDEX IF EXISTS registry_cluster`,
    `ALTER TABLE registry_initiatives DROP COLUMN cluster_id`,
    `ALTER TABLE registry_initiatives DROP COLUMN block_keys`,
    `
      CREATE TABLE rollup_facts (
        initiative_id text PRIMARY KEY,
        region text,
        primary_stream text,
        status text,
        kind text,
        capabilities text[] NOT NULL,
        countries text[] NOT NULL
      )`,
    `
      INSERT INTO rollup_facts
      SELECT initiative_id, region, primary_stream, status, kind, capabilities, countries
        FROM registry_initiatives WHERE NOT withdrawn`,
    // Fewer indexes to maintain on every registry write: rollups read rollup_facts now, and only records that name
    // another record are looked up by the ids they name.
    `DROP INDEX IF EXISTS registry_rollup`,
    `DROP INDEX IF EXISTS registry_linked`,
    `CREATE INDEX registry_linked ON registry_initiatives USING gin (linked_ids) WITH (fastupdate = off)
        WHERE NOT withdrawn AND cardinality(linked_ids) > 0`,
    `INSERT INTO detection_queue (initiative_id) SELECT initiative_id FROM registry_initiatives ORDER BY initiative_id`,
  ],
  down: [
    `DROP INDEX registry_linked`,
    `CREATE INDEX registry_linked ON registry_initiatives USING gin (linked_ids) WITH (fastupdate = off) WHERE NOT withdrawn`,
    `CREATE INDEX registry_rollup ON registry_initiatives (region, primary_stream, status) WHERE NOT withdrawn`,
    `DROP TABLE rollup_facts`,
    `ALTER TABLE registry_initiatives ADD COLUMN cluster_id text`,
    `UPDATE registry_initiatives r SET cluster_id = c.cluster_id FROM registry_clusters c WHERE c.initiative_id = r.initiative_id`,
    `CREATE INDEX registry_cluster ON registry_initiatives (cluster_id) WHERE cluster_id IS NOT NULL`,
    `DROP TABLE registry_clusters`,
    `ALTER TABLE registry_initiatives ADD COLUMN block_keys text[] NOT NULL DEFAULT '{}'`,
    `CREATE INDEX registry_block_keys ON registry_initiatives USING gin (block_keys) WITH (fastupdate = off) WHERE NOT withdrawn`,
    `DROP TABLE detection_state`,
    `DROP TABLE registry_block_entries`,
    `ALTER TABLE registry_initiatives DROP COLUMN match_fingerprint`,
    `DROP TABLE detection_queue`,
  ],
});
