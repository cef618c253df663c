import { sqlMigration } from '@ctp/persistence';

/** Who made the last change of each record (a token's sub and org, or a regional system's NATS identity). */
export const HubChangeActors1764300000000 = sqlMigration('HubChangeActors1764300000000', {
  up: [
    `ALTER TABLE initiatives ADD COLUMN changed_by_sub text, ADD COLUMN changed_by_org text`,
    `CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`,
  ],
  down: [
    `DROP INDEX idempotency_keys_created_at`,
    `ALTER TABLE initiatives DROP COLUMN changed_by_sub, DROP COLUMN changed_by_org`,
  ],
});
