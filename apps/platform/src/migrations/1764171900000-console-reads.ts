import { InitiativeSnapshot } from '@ctp/contracts';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { searchTextOf } from '../registry/domain/search-text';

/** Records whose search text is computed per statement when filling the new column. */
const BACKFILL_BATCH = 1000;

/**
 * What the analysts' console reads (issue #16):
 *
 * - `registry_initiatives.search_text`: the record's titles, their translations and its code name, normalised (lower
 *   case, no accents, Arabic letter variants folded: registry/domain/search-text.ts), for GET /initiatives?q=. Written
 *   with every version; filled here for the records already stored, by the same function, in batches.
 * - `overlap_pairs_updated`: GET /console/stream's poller reads the newest `updated_at` of the pairs (and the pairs
 *   updated lately) every second or so: an index makes that a few index pages, not a scan of every pair.
 */
export class ConsoleReads1764171900000 implements MigrationInterface {
  name = 'ConsoleReads1764171900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry_initiatives ADD COLUMN search_text text NOT NULL DEFAULT ''`);
    let after = '';
    for (;;) {
      const rows: { initiative_id: string; snapshot: InitiativeSnapshot }[] = await q.query(
        `SELECT initiative_id, snapshot FROM registry_initiatives WHERE initiative_id > $1
          ORDER BY initiative_id LIMIT ${BACKFILL_BATCH}`,
        [after],
      );
      if (rows.length === 0) break;
      await q.query(
        `UPDATE registry_initiatives r SET search_text = x.search_text
           FROM unnest($1::text[], $2::text[]) AS x(initiative_id, search_text)
          WHERE r.initiative_id = x.initiative_id`,
        [rows.map((r) => r.initiative_id), rows.map((r) => searchTextOf(r.snapshot))],
      );
      after = rows[rows.length - 1].initiative_id;
    }
    await q.query(`CREATE INDEX overlap_pairs_updated ON overlap_pairs (updated_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX overlap_pairs_updated`);
    await q.query(`ALTER TABLE registry_initiatives DROP COLUMN search_text`);
  }
}
