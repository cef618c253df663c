import { sqlMigration } from '@ctp/persistence';

/**
 * The DUPLICATE pairs by either of their records: re-clustering after a detection run walks the duplicate edges from
 * the records it touched (OverlapRepository.duplicateComponents), one index probe per record reached. Before, each step
 * of the walk read every DUPLICATE pair of the registry (the `effective` index), so its cost grew with the registry:
 * 480 ms per run of 2,000 records with 200,000 stored (`platform:rebuild`, 16 % of its detection time). Partial: only
 * the duplicates, a small share of the pairs. Built without CONCURRENTLY (migrations run in a transaction): writes to
 * `overlap_pairs` wait while they are built (each reads the table once).
 */
export const DuplicateEdges1764760000000 = sqlMigration('DuplicateEdges1764760000000', {
  up: [
    `CREATE INDEX overlap_pairs_duplicate_a ON overlap_pairs (a_id) WHERE effective = 'DUPLICATE'`,
    `CREATE INDEX overlap_pairs_duplicate_b ON overlap_pairs (b_id) WHERE effective = 'DUPLICATE'`,
  ],
  down: [`DROP INDEX overlap_pairs_duplicate_b`, `DROP INDEX overlap_pairs_duplicate_a`],
});
