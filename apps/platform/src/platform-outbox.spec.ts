import { DiscardingOutboxWriter } from './platform-outbox';

describe('DiscardingOutboxWriter (a rebuild publishes nothing)', () => {
  it('appends no events, and applies the state change of appendWith alone, saying whether it applied', async () => {
    const writer = new DiscardingOutboxWriter();
    const queries: { sql: string; params: unknown[] }[] = [];
    const runner = (rows: unknown[]) => ({
      query: async (sql: string, params: unknown[]) => {
        queries.push({ sql, params });
        return rows;
      },
    });
    const write = { sql: 'UPDATE t SET x = $1 WHERE id = $2 RETURNING id', params: [1, 'a'] };
    const event = { eventId: 'e', subject: 's', payload: {} } as never;
    await expect(writer.appendWith(runner([{ id: 'a' }]), write, [event])).resolves.toBe(true);
    await expect(writer.appendWith(runner([]), write, [event])).resolves.toBe(false);
    // Only the state change, never an outbox insert.
    expect(queries).toEqual([write, write]);
    await expect(writer.append({} as never, [event])).resolves.toBeUndefined();
  });
});
