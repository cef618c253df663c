import { lockKeys, SqlRunner } from './key-locks';

function recorder(): SqlRunner & { calls: { sql: string; params?: unknown[] }[] } {
  const calls: { sql: string; params?: unknown[] }[] = [];
  return {
    calls,
    query: async (sql: string, params?: unknown[]) => {
      calls.push({ sql, params });
      return [];
    },
  };
}

describe('lockKeys', () => {
  it('locks every key once, in sorted order, in one statement of two-key transaction locks', async () => {
    const r = recorder();
    await lockKeys(r, 'registry', ['IP-B', 'IP-A', 'IP-B', 'IP-C']);
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0].sql).toContain('pg_advisory_xact_lock(hashtext($1), hashtext(k))');
    expect(r.calls[0].params).toEqual(['registry', ['IP-A', 'IP-B', 'IP-C']]);
  });

  it('issues nothing for no keys', async () => {
    const r = recorder();
    await lockKeys(r, 'registry', []);
    expect(r.calls).toEqual([]);
  });
});
