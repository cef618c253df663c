import type { Transaction } from '@ctp/persistence';
import { AppliedChanges, RegistryChangeListener, RegistryChanges } from './registry-changes';

function transaction(): { tx: Transaction; commit: () => void } {
  const callbacks: (() => void)[] = [];
  const tx = { manager: {}, afterCommit: (cb: () => void) => callbacks.push(cb) } as unknown as Transaction;
  return { tx, commit: () => callbacks.forEach((cb) => cb()) };
}

describe('RegistryChanges', () => {
  const changes: AppliedChanges = {
    records: [{ initiativeId: 'IP-1', version: 2, withdrawn: false, matchChanged: true }],
  };

  it('calls the listeners in the transaction in the order they subscribed, and after the commit only then', async () => {
    const calls: string[] = [];
    const port = new RegistryChanges();
    const listener = (name: string): RegistryChangeListener => ({
      onApplied: async () => void calls.push(`${name} in tx`),
      afterCommit: () => void calls.push(`${name} after commit`),
    });
    port.subscribe(listener('a'));
    port.subscribe(listener('b'));
    const { tx, commit } = transaction();
    await port.applied(tx, changes);
    expect(calls).toEqual(['a in tx', 'b in tx']);
    commit();
    expect(calls).toEqual(['a in tx', 'b in tx', 'a after commit', 'b after commit']);
  });

  it('hands the rejected events to the listeners that follow them, in the transaction', async () => {
    const seen: unknown[] = [];
    const port = new RegistryChanges();
    port.subscribe({ afterCommit: () => undefined });
    port.subscribe({ onRejected: async (_tx, rejected) => void seen.push(rejected) });
    const { tx } = transaction();
    await port.rejected(tx, []);
    expect(seen).toEqual([[]]);
  });

  it('lets a failing listener fail the batch', async () => {
    const port = new RegistryChanges();
    port.subscribe({ onApplied: () => Promise.reject(new Error('queue full')) });
    await expect(port.applied(transaction().tx, changes)).rejects.toThrow('queue full');
  });
});
