import { as } from '../support/auth';
import { HubLoad, sleep } from './support/load';
import { FaultRig, printSummary } from './support/rig';

interface SyncSource {
  source: string;
  reconciliation: { matched: boolean; repairedTotal: number } | null;
}

/**
 * A hub's records deleted from the platform's read model behind its back, three times while the load runs: only
 * reconciliation can bring them back (the records chosen are finished — no further change will come for them), and
 * it must do so while the digests keep moving under load. Digests every 300 ms, a heartbeat every second.
 */
describe('fault reconciliation', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await FaultRig.create({
      name: 'reconciliation',
      hubEnv: { RECONCILE_INTERVAL_MS: '300', RECONCILE_HEARTBEAT_MS: '1000' },
    });
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
  }, 60_000);

  it('repairs records lost from the read model under load, by reconciliation alone', async () => {
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      {
        prefix: 'rc',
        initiatives: 120,
        updates: 2,
        withdrawEvery: 10,
        concurrency: 4,
        deadlineMs: 90_000,
        pauseMs: 5,
      },
    );
    await rig.poison();
    const running = load.run();
    const deleted: { id: string; eventIds: string[] }[] = [];
    for (const fraction of [0.3, 0.55, 0.8]) {
      await load.reachedFraction(fraction);
      // Finished records the platform already holds at their final version, not deleted before.
      const candidates = load.finished.filter((id) => !deleted.some((d) => d.id === id));
      const rows = await rig.platformDb.query<{ initiative_id: string; version: number }>(
        `SELECT initiative_id, version FROM registry_initiatives WHERE initiative_id = ANY($1::text[])`,
        [candidates],
      );
      const victims = rows
        .filter((r) => load.accepted.get(r.initiative_id)?.version === r.version)
        .slice(0, 8)
        .map((r) => r.initiative_id);
      expect(victims.length).toBeGreaterThan(0);
      const history = await rig.platformDb.query<{ initiative_id: string; event_ids: string[] }>(
        `SELECT initiative_id, array_agg(event_id) AS event_ids FROM registry_versions
          WHERE initiative_id = ANY($1::text[]) GROUP BY 1`,
        [victims],
      );
      await rig.platformDb.query(`DELETE FROM registry_initiatives WHERE initiative_id = ANY($1::text[])`, [victims]);
      deleted.push(...history.map((h) => ({ id: h.initiative_id, eventIds: h.event_ids })));
      await sleep(200);
    }
    await running;

    const caughtUp = await rig.waitCaughtUp(60_000, async () => {
      const res = await fetch(`${rig.platform.baseUrl}/sync`, { headers: await as.operator() });
      const view = (await res.json()) as { sources: SyncSource[] };
      return rig.hubs.every((h) => view.sources.find((s) => s.source === h.source)?.reconciliation?.matched === true);
    });
    const counts = await rig.verify(load, caughtUp);
    printSummary('reconciliation', counts);

    // Each deleted record is back, at the hub's version, through an event the hub re-published for reconciliation
    // (not one of those applied before the deletion: nothing else was coming for these records).
    const back = await rig.platformDb.query<{ initiative_id: string; last_event_id: string }>(
      `SELECT initiative_id, last_event_id FROM registry_initiatives WHERE initiative_id = ANY($1::text[])`,
      [deleted.map((d) => d.id)],
    );
    expect(back).toHaveLength(deleted.length);
    for (const b of back)
      expect(deleted.find((d) => d.id === b.initiative_id)!.eventIds).not.toContain(b.last_event_id);
    const repairs = rig.platformLines().filter((l) => l.msg === 'reconciliation repair');
    expect(repairs.reduce((a, l) => a + Number(l.resent), 0)).toBeGreaterThanOrEqual(deleted.length);
    expect(repairs.filter((l) => l.error)).toEqual([]);
  }, 180_000);
});
