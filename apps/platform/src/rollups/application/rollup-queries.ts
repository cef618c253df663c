import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ROLLUP_DIMENSIONS, RollupDimension, RollupRow } from '../domain/rollup-dimensions';

export interface Rollup {
  groupBy: RollupDimension[];
  rows: RollupRow[];
  totals: { reported: number; deduplicated: number };
}

/**
 * Counts of live initiatives: `reported` counts every record, `deduplicated` counts each duplicate cluster once, under
 * its canonical record. Withdrawn records count nowhere. Computed at read time from `rollup_facts` (the registry's
 * narrow copy, written in the same transaction as it) and the clusters, so it is never out of step with them.
 */
@Injectable()
export class RollupQueries {
  constructor(private readonly dataSource: DataSource) {}

  async rollup(groupBy: RollupDimension[]): Promise<Rollup> {
    const cols = groupBy.map((d, i) => `${ROLLUP_DIMENSIONS[d].sql} AS g${i}`);
    const sql = `
      SELECT ${cols.join(', ')}${cols.length ? ',' : ''}
             count(*)::int AS reported,
             count(*) FILTER (WHERE cluster_id IS NULL OR cluster_id = initiative_id)::int AS deduplicated
        FROM rollup_facts LEFT JOIN registry_clusters c USING (initiative_id)
       ${groupBy.length ? `GROUP BY ${groupBy.map((_, i) => `g${i}`).join(', ')} ORDER BY ${groupBy.map((_, i) => `g${i}`).join(', ')}` : ''}`;
    const rows: Record<string, string | number>[] = await this.dataSource.query(sql);
    const out = rows.map((r) => {
      const row: Record<string, string | number> = {};
      groupBy.forEach((d, i) => (row[d] = r[`g${i}`]));
      row.reported = r.reported;
      row.deduplicated = r.deduplicated;
      return row as RollupRow;
    });
    // Grouped by plain columns, every live record is in exactly one row: the totals are the rows' sums, without
    // scanning the registry a second time. An array dimension (unnest) counts a record once per element: count them.
    if (groupBy.every((d) => !ROLLUP_DIMENSIONS[d].sql.startsWith('unnest('))) {
      const totals = { reported: 0, deduplicated: 0 };
      for (const r of out) {
        totals.reported += r.reported;
        totals.deduplicated += r.deduplicated;
      }
      return { groupBy, rows: out, totals };
    }
    const [totals]: { reported: number; deduplicated: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS reported,
              count(*) FILTER (WHERE cluster_id IS NULL OR cluster_id = initiative_id)::int AS deduplicated
         FROM rollup_facts LEFT JOIN registry_clusters c USING (initiative_id)`,
    );
    return { groupBy, rows: out, totals };
  }
}
