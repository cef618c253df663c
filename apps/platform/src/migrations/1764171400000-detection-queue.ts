import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Duplicate detection as its own stage. Applying an event writes the registry and, in the same transaction, queues
 * the record for detection when what the matcher reads of it changed (`match_fingerprint`). The detection worker
 * drains the queue in large batches (a record changed five times in a burst is compared once, and the batch's shared
 * blocking keys are read once) in its own transaction, so the consumer's batches stay short.
 */
export class DetectionQueue1764171400000 implements MigrationInterface {
  name = 'DetectionQueue1764171400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE detection_queue (
        seq bigserial PRIMARY KEY,
        initiative_id text NOT NULL,
        queued_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE registry_initiatives ADD COLUMN match_fingerprint text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry_initiatives DROP COLUMN match_fingerprint`);
    await q.query(`DROP TABLE detection_queue`);
  }
}
