import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { UnitOfWork } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { OverlapRepository } from '../../apps/platform/src/overlaps/persistence/overlap.repository';
import { as } from '../support/auth';
import { eventFor, snapshotOf } from '../support/events';
import { PlatformUnderTest } from '../support/platform-under-test';
import { waitFor } from '../support/services';

/*
 * Duplicate detection runs as its own stage: the consumer queues changed records in the transaction that applies
 * them, the detection worker compares them afterwards. These tests check what that stage promises beyond the
 * labelled pairs (test/platform/duplicates.test.ts): work left in the queue by a stopped platform is done when it
 * returns, a change the matcher does not read triggers no run, and the blocking table (one row per live record)
 * follows the records.
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
    const res = await fetch(`${p.baseUrl}/metrics`, { headers: await as.operator() });
    expect(res.status).toBe(200);
    const text = await res.text();
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

  interface BlockRow {
    initiative_id: string;
    reporter: string;
    primary_stream: string;
    secondary_streams: string[];
    countries: string[];
    start_date: string;
    end_date: string;
  }
  const blockRows = () =>
    db.query<BlockRow>(
      `SELECT initiative_id, reporter, primary_stream, secondary_streams, countries,
              to_char(start_date, 'YYYY-MM-DD') AS start_date, to_char(end_date, 'YYYY-MM-DD') AS end_date
         FROM registry_block_records ORDER BY initiative_id`,
    );
  /** The row a live record with planned dates should have (lists sorted). */
  const rowOf = (s: InitiativeSnapshot): BlockRow => ({
    initiative_id: s.initiativeId,
    reporter: s.reportingOrg.ref,
    primary_stream: s.actionStreams.primary,
    secondary_streams: [...(s.actionStreams.secondary ?? [])].sort(),
    countries: [...(s.recipientCountries ?? [])].sort(),
    start_date: s.dates!.plannedStart!,
    end_date: s.dates!.plannedEnd!,
  });
  /** The transaction that last wrote a record's row: unchanged when the row was not rewritten. */
  const rowVersion = async (id: string) =>
    (
      await db.query<{ x: string }>(`SELECT xmin::text AS x FROM registry_block_records WHERE initiative_id = $1`, [id])
    )[0]?.x;

  it('finds a duplicate through the blocking table, and writes one row per live record to that table', async () => {
    await settled([{ snapshot: hub }, { snapshot: partner }]);
    const pairs = await duplicatePairs(hub.initiativeId);
    expect(pairs.map((p) => [p.aId, p.bId, p.effective])).toEqual([
      [hub.initiativeId, partner.initiativeId, 'DUPLICATE'],
    ]);
    expect(await blockRows()).toEqual([rowOf(hub), rowOf(partner)]);
    expect(rowOf(hub)).toMatchObject({ reporter: 'IP-HUB-AFR', countries: ['SN'], start_date: '2027-03-08' });
  });

  it('runs no detection for a change the matcher does not read, and one for a change it reads', async () => {
    const before = await detectionRuns();
    await settled([{ snapshot: { ...hub, version: 2, status: 'CANCELLED', lastUpdatedAt: new Date().toISOString() } }]);
    expect(await detectionRuns()).toBe(before);
    // A new title: compared again, but its blocking row is the same and is not rewritten.
    const written = await rowVersion(hub.initiativeId);
    expect(written).toBeDefined();
    const retitled = {
      ...hub,
      version: 3,
      status: 'CANCELLED' as const,
      title: { lang: 'en' as const, text: 'Regional course on foreign terrorist fighters' },
      lastUpdatedAt: new Date().toISOString(),
    };
    await settled([{ snapshot: retitled }]);
    expect(await detectionRuns()).toBeGreaterThan(before);
    expect(await rowVersion(hub.initiativeId)).toBe(written);
    // Moved to another country: the pair is cleared and the blocking row follows.
    const moved = { ...retitled, version: 4, recipientCountries: ['ML'], lastUpdatedAt: new Date().toISOString() };
    await settled([{ snapshot: moved }]);
    expect((await duplicatePairs(hub.initiativeId)).map((p) => p.effective)).toEqual([]);
    expect(await rowVersion(hub.initiativeId)).not.toBe(written);
    expect(await blockRows()).toEqual([rowOf(moved), rowOf(partner)]);
    // Withdrawn: its row is deleted.
    await settled([
      {
        snapshot: {
          ...partner,
          version: 2,
          lastUpdatedAt: new Date().toISOString(),
          withdrawal: { reason: 'duplicate entry', withdrawnAt: new Date().toISOString() },
        },
        type: InitiativeEventType.Withdrawn,
      },
    ]);
    expect(await blockRows()).toEqual([rowOf(moved)]);
  });

  it('does the work a stopped platform left queued when it comes back', async () => {
    const rows = await blockRows();
    expect(rows).toHaveLength(1);
    await p.process.stop();
    // As if the platform had stopped right after committing a batch: its records queued, not yet compared.
    await db.query(`DELETE FROM registry_block_records`);
    await db.query(`INSERT INTO detection_queue (initiative_id) VALUES ($1), ($2)`, [
      hub.initiativeId,
      partner.initiativeId,
    ]);
    await p.restart();
    await waitFor('the queue drained', async () => (await get<{ queued: number }>('/overlaps/detection')).queued === 0);
    // The live record's row written again; the withdrawn one has none.
    expect(await blockRows()).toEqual(rows);
  });

  it('puts the queue in date order for platform:rebuild, keeping when each record was queued', async () => {
    const dated = (id: string, start: string, end: string) =>
      snapshotOf('IP-HUB-EUR', id, {
        title: { lang: 'en', text: `Workshop on border security ${id}` },
        recipientCountries: ['FR'],
        dates: { plannedStart: start, plannedEnd: end },
      });
    const september = dated('det-sep', '2027-09-06', '2027-09-10');
    const may = dated('det-may', '2027-05-03', '2027-05-07');
    const july = dated('det-jul', '2027-07-05', '2027-07-09');
    await settled([{ snapshot: september }, { snapshot: may }, { snapshot: july }]);
    await waitFor('the queue drained', async () => (await get<{ queued: number }>('/overlaps/detection')).queued === 0);
    await p.process.stop();
    // Queued in arrival order, one of them for a record the registry does not hold (last: it has no dates).
    const arrived = [september.initiativeId, 'IP-HUB-EUR-unknown', may.initiativeId, july.initiativeId];
    for (const [i, id] of arrived.entries())
      await db.query(`INSERT INTO detection_queue (initiative_id, queued_at) VALUES ($1, $2)`, [
        id,
        `2027-01-01T00:00:0${i}Z`,
      ]);
    const dataSource = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    try {
      const overlaps = new OverlapRepository(dataSource);
      const reordered = await new UnitOfWork(dataSource).run(async (tx) => {
        await overlaps.lockDetection(tx);
        return overlaps.orderQueueByDates(tx);
      });
      expect(reordered).toBe(4);
    } finally {
      await dataSource.destroy();
    }
    const queue = await db.query<{ initiative_id: string; queued_at: string }>(
      `SELECT initiative_id, to_char(queued_at AT TIME ZONE 'UTC', 'SS') AS queued_at FROM detection_queue ORDER BY seq`,
    );
    expect(queue).toEqual([
      { initiative_id: may.initiativeId, queued_at: '02' },
      { initiative_id: july.initiativeId, queued_at: '03' },
      { initiative_id: september.initiativeId, queued_at: '00' },
      { initiative_id: 'IP-HUB-EUR-unknown', queued_at: '01' },
    ]);
    await p.restart();
    await waitFor('the queue drained', async () => (await get<{ queued: number }>('/overlaps/detection')).queued === 0);
  });
});
