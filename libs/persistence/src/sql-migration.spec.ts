import type { QueryRunner } from 'typeorm';
import { sqlMigration } from './sql-migration';

describe('sqlMigration', () => {
  const Example = sqlMigration('Example1764170000000', {
    up: [`CREATE TABLE a (id int)`, `\n      CREATE INDEX a_id ON a (id)`],
    down: [`DROP INDEX a_id`, `DROP TABLE a`],
  });

  function recorder(): { runner: QueryRunner; sent: string[] } {
    const sent: string[] = [];
    const runner = { query: async (sql: string) => void sent.push(sql) } as unknown as QueryRunner;
    return { runner, sent };
  }

  it('is a class TypeORM can create, named as stored in schema_migrations (the timestamp its last 13 digits)', () => {
    const migration = new Example();
    expect(migration.name).toBe('Example1764170000000');
    expect(Example.name).toBe('Example1764170000000');
    // No own transaction flag: migrationsTransactionMode 'each' runs it in its own transaction.
    expect(migration.transaction).toBeUndefined();
  });

  it('sends the statements of up, then of down, in order and exactly as written', async () => {
    const up = recorder();
    await new Example().up(up.runner);
    expect(up.sent).toEqual(['CREATE TABLE a (id int)', '\n      CREATE INDEX a_id ON a (id)']);
    const down = recorder();
    await new Example().down(down.runner);
    expect(down.sent).toEqual(['DROP INDEX a_id', 'DROP TABLE a']);
  });

  it('stops at the first statement that fails', async () => {
    const sent: string[] = [];
    const runner = {
      query: async (sql: string) => {
        sent.push(sql);
        throw new Error('refused');
      },
    } as unknown as QueryRunner;
    await expect(new Example().up(runner)).rejects.toThrow('refused');
    expect(sent).toEqual(['CREATE TABLE a (id int)']);
  });
});
