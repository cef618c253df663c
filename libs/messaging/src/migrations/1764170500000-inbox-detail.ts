import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why an event was rejected, in words (which field, which rule), beside the reason code. */
export class InboxDetail1764170500000 implements MigrationInterface {
  name = 'InboxDetail1764170500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbox_events ADD COLUMN detail text`);
    await q.query(`CREATE INDEX inbox_events_event ON inbox_events (source, event_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX inbox_events_event`);
    await q.query(`ALTER TABLE inbox_events DROP COLUMN detail`);
  }
}
