/*
 * SQL shared by the registry, overlaps and rollups, which all read records with their cluster: the duplicate clusters
 * (registry_initiatives with overlaps' registry_clusters) as a reader of shareable records sees them. A cluster is
 * stored once, with every member and its canonical record (`registry_clusters.cluster_id`, chosen by detection among
 * all members). A shareable reader sees only its shareable members, counted once under the canonical record among
 * them, by the same rule (docs/domain.md "Clusters and canonical records": a hub's record first, then the earliest first reported, then the smaller id);
 * when the stored canonical record is shareable it is that one. A record whose cluster has no other shareable member
 * is in no cluster for that reader. Computed when read, so a record made restricted (or shareable again) by an update
 * moves at once, without detection having to run.
 */

/**
 * ORDER BY keys of the canonical record (as `canonicalOf` in overlaps/domain/clusters.ts) over a table `alias` with
 * `reporter_type`, `first_reported_at` and `initiative_id` (ids compared by code unit, as there).
 */
export function canonicalOrder(alias: string): string {
  return (
    `CASE ${alias}.reporter_type WHEN 'HUB' THEN 0 WHEN 'PLATFORM' THEN 1 ELSE 2 END, ` +
    `${alias}.first_reported_at, ${alias}.initiative_id COLLATE "C"`
  );
}

/**
 * A `LEFT JOIN LATERAL` giving, for the cluster `clusterIdSql` (a column of the outer query, possibly null), the
 * canonical record among its shareable members (`<alias>.canonical_id`) and their number (`<alias>.members`). Each
 * row it is joined to costs an index lookup on `registry_clusters (cluster_id)` and the members' primary keys.
 */
export function shareableClusterJoin(clusterIdSql: string, alias: string): string {
  return `LEFT JOIN LATERAL (
      SELECT m.initiative_id AS canonical_id, count(*) OVER ()::int AS members
        FROM registry_clusters mc JOIN registry_initiatives m ON m.initiative_id = mc.initiative_id
       WHERE mc.cluster_id = ${clusterIdSql} AND NOT m.restricted
       ORDER BY (m.initiative_id = mc.cluster_id) DESC, ${canonicalOrder('m')}
       LIMIT 1) ${alias} ON true`;
}

/** The cluster id a shareable reader sees, given `shareableClusterJoin(…, alias)`: none for a cluster of one. */
export function shareableClusterId(alias: string): string {
  return `CASE WHEN ${alias}.members > 1 THEN ${alias}.canonical_id END`;
}
