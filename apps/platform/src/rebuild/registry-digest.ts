import { Client } from 'pg';

export interface RegistryDigest {
  initiatives: number;
  withdrawn: number;
  clusters: number;
  duplicatePairs: number;
  overlapPairs: number;
  /** md5 over every record's (id, version, withdrawn, cluster, snapshot) and every effective pair, in id order. */
  hash: string;
}

/** What two read models must agree on to be "the same state". */
export async function registryDigest(databaseUrl: string): Promise<RegistryDigest> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const [row] = (
      await c.query(`
        SELECT (SELECT count(*)::int FROM registry_initiatives) AS initiatives,
               (SELECT count(*)::int FROM registry_initiatives WHERE withdrawn) AS withdrawn,
               (SELECT count(DISTINCT cluster_id)::int FROM registry_clusters JOIN registry_initiatives USING (initiative_id)) AS clusters,
               (SELECT count(*)::int FROM overlap_pairs WHERE effective = 'DUPLICATE') AS duplicate_pairs,
               (SELECT count(*)::int FROM overlap_pairs WHERE effective = 'OVERLAP') AS overlap_pairs,
               md5(
                 coalesce((SELECT string_agg(concat_ws('|', initiative_id, version, withdrawn, cluster_id, md5(snapshot::text)), ',' ORDER BY initiative_id)
                             FROM registry_initiatives LEFT JOIN registry_clusters USING (initiative_id)), '') || '#' ||
                 coalesce((SELECT string_agg(concat_ws('|', a_id, b_id, effective), ',' ORDER BY a_id, b_id)
                             FROM overlap_pairs WHERE effective IS NOT NULL), '')
               ) AS hash`)
    ).rows as {
      initiatives: number;
      withdrawn: number;
      clusters: number;
      duplicate_pairs: number;
      overlap_pairs: number;
      hash: string;
    }[];
    return {
      initiatives: row.initiatives,
      withdrawn: row.withdrawn,
      clusters: row.clusters,
      duplicatePairs: row.duplicate_pairs,
      overlapPairs: row.overlap_pairs,
      hash: row.hash,
    };
  } finally {
    await c.end();
  }
}
