import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { lockKeys } from '@ctp/persistence';
import { PG_ADMIN_URL } from '../support/databases';

/**
 * Two transactions locking keys that have no row: the second waits until the first ends, which `SELECT … FOR UPDATE`
 * cannot do (it locks existing rows only). Keys in another space, or other keys, do not wait.
 */
describe('lockKeys on PostgreSQL', () => {
  const clients: Client[] = [];
  const space = `test-${randomUUID()}`;

  const client = async () => {
    const c = new Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    clients.push(c);
    return c;
  };

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  });

  it('makes a second transaction on a common key wait for the first to commit, and no other', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    await a.query('BEGIN');
    await lockKeys(a, space, ['IP-NEW-2', 'IP-NEW-1']);

    await b.query('BEGIN');
    let bLocked = false;
    const bDone = lockKeys(b, space, ['IP-NEW-1', 'IP-NEW-9']).then(() => (bLocked = true));

    // Other keys of the space, and the same keys in another space, are free.
    await c.query('BEGIN');
    await lockKeys(c, space, ['IP-NEW-3']);
    await lockKeys(c, `${space}-other`, ['IP-NEW-1']);
    await c.query('COMMIT');

    await new Promise((r) => setTimeout(r, 300));
    expect(bLocked).toBe(false);
    await a.query('COMMIT');
    await bDone;
    expect(bLocked).toBe(true);
    await b.query('COMMIT');
  });
});
