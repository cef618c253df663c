import { InitiativeSnapshot } from '@ctp/contracts';
import { eventFor, snapshotOf } from '../support/events';
import { PlatformUnderTest } from '../support/platform-under-test';
import { waitFor } from '../support/services';

/*
 * Duplicate detection runs as its own stage: the consumer queues changed records in the transaction that applies
 * them, the detection worker compares them afterwards. These tests check what that stage promises beyond the
 * labelled pairs (test/platform/duplicates.test.ts): work left in the queue by a stopped platform is done when it
 * returns, a change the matcher does not read triggers no run, and the blocking table follows the records.
 */
describe('platform detection stage', () => {
  const p = new PlatformUnderTest('detection', { DETECTION_POLL_MS: '200' });
  const db = p.db;

  beforeAll(() => p.start());
  afterAll(() => p.stop());

  const get = <T>(path: string) => p.get<T>(path);
  const settled = (snapshots: { snapshot: InitiativeSnapshot; type?: Parameters<typeof eventFor>[1] }[]) =>
    p.decided(snapshots.map((s) => eventFor(s.snapshot, s.type)));
  const detectionRuns = async (): Promise<number> => {
    const text = await (await fetch(`${p.baseUrl}/metrics`)).text();
    return Number(/^ctp_detection_run_duration_seconds_count\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const duplicatePairs = async (id: string) =>
    (await get<{ items: { aId: string; bId: string; effective: string | null }[] }>(`/overlaps?initiativeId=${id}`))
      .items;

  const hub = snapshotOf('IP-HUB-AFR', 'det-1', {
    title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
    recipientCountries: ['SN'],
    dates: { plannedStart: '2027-03-08', plannedEnd: '2027-03-12' },
  });
  const partner = snapshotOf('PT-UNODC', 'det-1', {
    title: { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
    recipientCountries: ['SN'],
    dates: { plannedStart: '2027-03-08', plannedEnd: '2027-03-12' },
  });

  it('finds a duplicate through the blocking table, and writes that table from the records', async () => {
    await settled([{ snapshot: hub }, { snapshot: partner }]);
    const pairs = await duplicatePairs(hub.initiativeId);
    expect(pairs.map((p) => [p.aId, p.bId, p.effective])).toEqual([
      [hub.initiativeId, partner.initiativeId, 'DUPLICATE'],
    ]);
    const entries = await db.query<{ block_key: string; reporter: string }>(
      `SELECT block_key, reporter FROM registry_block_entries WHERE initiative_id = $1 ORDER BY block_key`,
      [hub.initiativeId],
    );
    // Five days in March 2027, widened by 15 days each side: February and March, stored under month keys.
    expect(entries).toEqual([
      { block_key: 'SN:M2027-02', reporter: 'IP-HUB-AFR' },
      { block_key: 'SN:M2027-03', reporter: 'IP-HUB-AFR' },
    ]);
  });

  it('runs no detection for a change the matcher does not read, and one for a change it reads', async () => {
    const before = await detectionRuns();
    await settled([{ snapshot: { ...hub, version: 2, status: 'CANCELLED', lastUpdatedAt: new Date().toISOString() } }]);
    expect(await detectionRuns()).toBe(before);
    // Moved to another country: the pair is cleared and the blocking entries follow.
    await settled([
      {
        snapshot: {
          ...hub,
          version: 3,
          status: 'CANCELLED',
          recipientCountries: ['ML'],
          lastUpdatedAt: new Date().toISOString(),
        },
      },
    ]);
    expect(await detectionRuns()).toBeGreaterThan(before);
    expect((await duplicatePairs(hub.initiativeId)).map((p) => p.effective)).toEqual([]);
    const keys = await db.query<{ block_key: string }>(
      `SELECT block_key FROM registry_block_entries WHERE initiative_id = $1 ORDER BY block_key`,
      [hub.initiativeId],
    );
    expect(keys.map((k) => k.block_key)).toEqual(['ML:M2027-02', 'ML:M2027-03']);
  });

  it('does the work a stopped platform left queued when it comes back', async () => {
    await p.process.stop();
    // As if the platform had stopped right after committing a batch: its records queued, not yet compared.
    await db.query(`DELETE FROM registry_block_entries`);
    await db.query(`INSERT INTO detection_queue (initiative_id) VALUES ($1), ($2)`, [
      hub.initiativeId,
      partner.initiativeId,
    ]);
    await p.restart();
    await waitFor('the queue drained', async () => (await get<{ queued: number }>('/overlaps/detection')).queued === 0);
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM registry_block_entries`);
    expect(n).toBe(4);
  });
});
