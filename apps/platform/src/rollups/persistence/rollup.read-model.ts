import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Viewer } from '../../registry/domain/visibility';
import { canonicalOrder } from '../../read-models/visible-clusters';
import { ROLLUP_DIMENSIONS, RollupDimension, RollupRow } from '../domain/rollup-dimensions';

/** Counts grouped as asked, and their totals. */
export interface Rollup {
  groupBy: RollupDimension[];
  rows: RollupRow[];
  totals: { reported: number; deduplicated: number };
}

/** Every live record; each cluster counted under its stored canonical record. */
const EVERY_RECORD = {
  from: `rollup_facts f LEFT JOIN registry_clusters c ON c.initiative_id = f.initiative_id`,
  deduplicated: `c.cluster_id IS NULL OR c.cluster_id = f.initiative_id`,
};

/**
 * The live shareable records; each cluster counted once among its shareable members, under the canonical record
 * among them: the stored canonical record when it is shareable, else the first shareable member in the canonical
 * order. That is looked up (`v`) only for the clusters whose stored canonical record is restricted — found through the
 * partial index of restricted facts, then a few index lookups per such cluster — so this costs the query little more
 * than counting every record. A restricted record counts nowhere, and no count moves because of one.
 */
const SHAREABLE_RECORDS = {
  from: `rollup_facts f LEFT JOIN registry_clusters c ON c.initiative_id = f.initiative_id
         LEFT JOIN (SELECT k.initiative_id AS cluster_id, s.canonical_id
                      FROM rollup_facts k
                      JOIN registry_clusters kc ON kc.initiative_id = k.initiative_id AND kc.cluster_id = k.initiative_id
                      CROSS JOIN LATERAL (
                        SELECT m.initiative_id AS canonical_id
                          FROM registry_clusters mc
                          JOIN rollup_facts m ON m.initiative_id = mc.initiative_id AND NOT m.restricted
                         WHERE mc.cluster_id = k.initiative_id
                         ORDER BY ${canonicalOrder('m')} LIMIT 1) s
                     WHERE k.restricted) v ON v.cluster_id = c.cluster_id`,
  deduplicated: `c.cluster_id IS NULL OR c.cluster_id = f.initiative_id OR v.canonical_id = f.initiative_id`,
  where: `NOT f.restricted`,
};

/**
 * Counts of live initiatives: `reported` counts every record, `deduplicated` counts each duplicate cluster once, under
 * its canonical record. Withdrawn records count nowhere. Computed at read time from `rollup_facts` (the registry's
 * narrow copy, written in the same transaction as it) and the clusters, so it is never out of step with them.
 * A reader of shareable records (`viewer.restricted` false) gets the same counts over the shareable records alone.
 */
@Injectable()
export class RollupReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async counts(groupBy: RollupDimension[], viewer: Viewer): Promise<Rollup> {
    const source = viewer.restricted ? { ...EVERY_RECORD, where: '' } : SHAREABLE_RECORDS;
    const where = source.where ? `WHERE ${source.where}` : '';
    const counts = `count(*)::int AS reported, count(*) FILTER (WHERE ${source.deduplicated})::int AS deduplicated`;
    const cols = groupBy.map((d, i) => `${ROLLUP_DIMENSIONS[d].sql} AS g${i}`);
    const sql = `
      SELECT ${cols.join(', ')}${cols.length ? ',' : ''} ${counts}
        FROM ${source.from} ${where}
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
      `SELECT ${counts} FROM ${source.from} ${where}`,
    );
    return { groupBy, rows: out, totals };
  }
}
