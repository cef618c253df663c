import { DataSource } from 'typeorm';
import { PreparedStatements } from './prepared-statements';

/** A DataSource whose pool (node-postgres' `master`) and TypeORM query record what they are asked. */
function fakeDataSource(withPool = true) {
  const pooled: { name: string; text: string; values: unknown[] }[] = [];
  const viaTypeorm: { sql: string; params: unknown[] }[] = [];
  const dataSource = {
    driver: withPool
      ? {
          master: {
            query: async (config: { name: string; text: string; values: unknown[] }) => {
              pooled.push(config);
              return { rows: [{ id: '1', via: 'pool' }] };
            },
          },
        }
      : {},
    query: async (sql: string, params: unknown[]) => {
      viaTypeorm.push({ sql, params });
      return [{ id: '1', via: 'typeorm' }];
    },
  } as unknown as DataSource;
  return { dataSource, pooled, viaTypeorm };
}

describe('PreparedStatements', () => {
  it('sends a statement by a name derived from its text, with its values, and returns its rows', async () => {
    const { dataSource, pooled, viaTypeorm } = fakeDataSource();
    const s = new PreparedStatements(dataSource);
    expect(await s.query('INSERT INTO t VALUES ($1) RETURNING id', [7])).toEqual([{ id: '1', via: 'pool' }]);
    await s.query('INSERT INTO t VALUES ($1) RETURNING id', [8]);
    await s.query('SELECT 1 WHERE $1', [true]);
    expect(viaTypeorm).toEqual([]);
    expect(pooled.map((q) => q.values)).toEqual([[7], [8], [true]]);
    expect(pooled[0].name).toMatch(/^ctp_[0-9a-f]{32}$/);
    expect(pooled[1].name).toBe(pooled[0].name);
    // Two texts never share a name (node-postgres refuses one name for two texts on a connection).
    expect(pooled[2].name).not.toBe(pooled[0].name);
    expect(pooled[2].text).toBe('SELECT 1 WHERE $1');
  });

  it('prepares at most maxTexts distinct texts; any other runs unnamed through TypeORM', async () => {
    const { dataSource, pooled, viaTypeorm } = fakeDataSource();
    const s = new PreparedStatements(dataSource, 2);
    await s.query('SELECT 1', []);
    await s.query('SELECT 2', []);
    expect(await s.query('SELECT 3', [])).toEqual([{ id: '1', via: 'typeorm' }]);
    await s.query('SELECT 1', []);
    expect(pooled.map((q) => q.text)).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 1']);
    expect(viaTypeorm.map((q) => q.sql)).toEqual(['SELECT 3']);
    expect(s.nameOf('SELECT 4')).toBeUndefined();
  });

  it('runs through TypeORM when the driver has no node-postgres pool', async () => {
    const { dataSource, viaTypeorm } = fakeDataSource(false);
    expect(await new PreparedStatements(dataSource).query('SELECT $1', [1])).toEqual([{ id: '1', via: 'typeorm' }]);
    expect(viaTypeorm).toEqual([{ sql: 'SELECT $1', params: [1] }]);
  });
});
