import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What a migration that only runs SQL sends: `up`'s statements in order, and `down`'s. */
export interface SqlMigrationStatements {
  up: readonly string[];
  down: readonly string[];
}

/**
 * A TypeORM migration that runs fixed SQL statements, one `query` each, in order (in the migration's transaction, as
 * `migrationsTransactionMode: 'each'` gives every migration). TypeORM creates it with `new` and reads `name`: the name
 * stored in `schema_migrations`, whose last 13 digits are its timestamp, so it never changes once released. A migration
 * with logic of its own (loops, values computed in TypeScript) stays a class implementing `MigrationInterface`.
 */
export function sqlMigration(name: string, statements: SqlMigrationStatements): new () => MigrationInterface {
  const migration = class implements MigrationInterface {
    readonly name = name;

    async up(q: QueryRunner): Promise<void> {
      for (const sql of statements.up) await q.query(sql);
    }

    async down(q: QueryRunner): Promise<void> {
      for (const sql of statements.down) await q.query(sql);
    }
  };
  // The class carries the name too (stack traces, logs), as a declared class of that name did.
  Object.defineProperty(migration, 'name', { value: name });
  return migration;
}
