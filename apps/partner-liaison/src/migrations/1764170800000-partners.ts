import { MigrationInterface, QueryRunner } from 'typeorm';

/** The partner registry and the partners' own initiatives (owned here: partner-liaison assigns their versions). */
export class Partners1764170800000 implements MigrationInterface {
  name = 'Partners1764170800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE partners (
        ref            text PRIMARY KEY,
        code           text NOT NULL UNIQUE,
        name           text NOT NULL,
        acronym        text NOT NULL,
        type           text NOT NULL,
        regions        text[] NOT NULL,
        agreement      text,
        webhook_url    text,
        webhook_secret text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE partners`);
  }
}
