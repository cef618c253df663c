import { MigrationInterface, QueryRunner } from 'typeorm';

/** Who made the last change of each record (a token's sub and org, or a regional system's NATS identity). */
export class HubChangeActors1764300000000 implements MigrationInterface {
  name = 'HubChangeActors1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE initiatives ADD COLUMN changed_by_sub text, ADD COLUMN changed_by_org text`);
    await q.query(`CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idempotency_keys_created_at`);
    await q.query(`ALTER TABLE initiatives DROP COLUMN changed_by_sub, DROP COLUMN changed_by_org`);
  }
}
