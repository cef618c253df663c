import { MigrationInterface, QueryRunner } from 'typeorm';

export class HubInitiatives1764170100000 implements MigrationInterface {
  name = 'HubInitiatives1764170100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE initiatives (
        initiative_id text PRIMARY KEY,
        version       integer NOT NULL CHECK (version >= 1),
        status        text NOT NULL,
        withdrawn     boolean NOT NULL DEFAULT false,
        snapshot      jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE initiatives`);
  }
}
