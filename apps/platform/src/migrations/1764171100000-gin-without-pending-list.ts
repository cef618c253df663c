import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The registry's GIN indexes (countries, linked ids) are searched for every change the consumer applies (duplicate
 * detection's blocking), so they are kept without a pending list. With `fastupdate` on (PostgreSQL's default) new
 * entries queue in an unordered pending list that every search reads in full until VACUUM merges it; between two
 * vacuums of a busy registry, each candidate search reads thousands of pending entries (1.6 ms instead of 0.13 ms per
 * lookup with 10 000 records). Inserting straight into the index costs little: a record has a few countries and ids.
 */
export class GinWithoutPendingList1764171100000 implements MigrationInterface {
  name = 'GinWithoutPendingList1764171100000';

  async up(q: QueryRunner): Promise<void> {
    for (const index of ['registry_countries', 'registry_linked']) {
      await q.query(`ALTER INDEX ${index} SET (fastupdate = off)`);
      // Turning it off does not flush what is already queued.
      await q.query(`SELECT gin_clean_pending_list('${index}'::regclass)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['registry_countries', 'registry_linked']) {
      await q.query(`ALTER INDEX ${index} SET (fastupdate = on)`);
    }
  }
}
