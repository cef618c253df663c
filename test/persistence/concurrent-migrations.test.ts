import { openDataSource, sqlMigration } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { TestDatabase } from '../support/databases';

const First1764170000001 = sqlMigration('First1764170000001', {
  up: [`CREATE TABLE first_table (id int PRIMARY KEY)`, `SELECT pg_sleep(0.2)`],
  down: [`DROP TABLE first_table`],
});
const Second1764170000002 = sqlMigration('Second1764170000002', {
  up: [`CREATE TABLE second_table (id int PRIMARY KEY)`, `INSERT INTO second_table VALUES (1)`],
  down: [`DROP TABLE second_table`],
});

/**
 * Replicas of a service started at the same moment against a database without its tables: each runs the migrations at
 * start-up. They take turns (a session advisory lock): the first applies them, the others find nothing pending, and
 * every replica starts.
 */
describe('migrations run by replicas starting together', () => {
  const db = TestDatabase.fresh('migrations_race');
  const opened: DataSource[] = [];

  afterAll(async () => {
    await Promise.all(opened.map((d) => d.destroy().catch(() => undefined)));
    await db.drop();
  });

  it('applies each migration once, and every replica starts', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, () =>
        openDataSource({
          dataSourceOptions: {
            type: 'postgres',
            url: db.url,
            migrations: [First1764170000001, Second1764170000002],
            migrationsTransactionMode: 'each',
          },
        }).then((d) => {
          opened.push(d);
          return d;
        }),
      ),
    );
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual([
      'started',
      'started',
      'started',
    ]);
    const applied = await db.query<{ name: string }>(`SELECT name FROM migrations ORDER BY id`);
    expect(applied.map((m) => m.name)).toEqual(['First1764170000001', 'Second1764170000002']);
    expect(await db.query(`SELECT id FROM second_table`)).toEqual([{ id: 1 }]);
  });
});
