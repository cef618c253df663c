import { SYNC_BUCKETS } from '@ctp/contracts';

// md5, not hashtext: hashtext may change between PostgreSQL versions, and the two sides may not share one.
const bucketOf = (id: string) => `((('x' || substr(md5(${id}), 1, 7))::bit(28)::int) % ${SYNC_BUCKETS})`;
const digestOf = (id: string, version: string, withdrawn: string) =>
  `md5(coalesce(string_agg(${id} || ':' || ${version} || ':' || (CASE WHEN ${withdrawn} THEN 1 ELSE 0 END), ',' ORDER BY ${id} COLLATE "C"), ''))`;

/**
 * The SQL both sides of reconciliation use (a source's `SyncSource`, the platform's view of that source), so that
 * equal sets of (id, version, withdrawn) give equal hashes: the bucket of an id, the digest of a set of rows (`id`,
 * `version` and `withdrawn` are the caller's column names), and the two queries a repair compares, over a table with
 * the columns initiative_id, version and withdrawn, restricted by `where`. Here, beside the sync source, not in the
 * contracts: the contracts say what a digest is (`SourceDigest`, `SYNC_BUCKETS`), not how a database computes it.
 */
export const SyncSql = {
  bucketOf,
  digestOf,
  /** Rows (bucket, count, hash) of the rows matching `where`, by bucket. */
  buckets: (table: string, where: string) =>
    `SELECT ${bucketOf('initiative_id')} AS bucket, count(*)::int AS count,
            ${digestOf('initiative_id', 'version', 'withdrawn')} AS hash
       FROM ${table} WHERE ${where} GROUP BY 1 ORDER BY 1`,
  /** Rows (initiative_id, version, withdrawn) of the rows matching `where` in the bucket given as `bucketParam`. */
  list: (table: string, where: string, bucketParam: string) =>
    `SELECT initiative_id, version, withdrawn FROM ${table}
      WHERE ${where} AND ${bucketOf('initiative_id')} = ${bucketParam}`,
} as const;
