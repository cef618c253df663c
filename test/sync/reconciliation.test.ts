import { TestDatabase } from '../support/databases';
import { call, initiativeBody } from '../support/hub-fixtures';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';
import { syncOf, syncView } from '../support/sync-view';

/** A hub's records deleted from the platform's read model behind its back come back by reconciliation alone. */
describe('reconciliation between a hub and the platform', () => {
  let nats: TestNatsServer;
  let hub: ServiceProcess;
  let platform: ServiceProcess;
  const hubDb = TestDatabase.fresh('rechub');
  const platformDb = TestDatabase.fresh('recplat');

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    hub = new ServiceProcess(
      'hub',
      {
        HUB_REGION: 'afr',
        PORT: String(await freePort()),
        NATS_URL: nats.url,
        DATABASE_URL: hubDb.url,
        RECONCILE_INTERVAL_MS: '300',
        RECONCILE_HEARTBEAT_MS: '1000',
      },
      'hub-afr',
    );
    platform = new ServiceProcess('platform', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: platformDb.url,
    });
    await Promise.all([hub.start(), platform.start()]);
  });

  afterAll(async () => {
    await Promise.all([hub?.stop(), platform?.stop()]);
    await nats?.stop();
    await Promise.all([hubDb.drop(), platformDb.drop()]);
  });

  const afr = () => syncOf(platform.baseUrl, '/ctp/hubs/afr');

  it('detects the divergence from the digest, narrows it down and has the hub re-publish what is missing', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await call(hub.baseUrl, 'POST', '/initiatives', initiativeBody({ localId: `rec-${i}` }));
      expect(r.status).toBe(201);
    }
    await call(hub.baseUrl, 'PUT', '/initiatives/IP-HUB-AFR-rec-3', initiativeBody({ description: 'agenda out' }), {
      'If-Match': '"1"',
    });
    await call(hub.baseUrl, 'POST', '/initiatives/IP-HUB-AFR-rec-4/withdraw', { reason: 'reported twice' });
    // The platform holds all 20 at their final versions, and a digest taken after that matched.
    await waitFor(
      'the platform to hold every record at its final version',
      async () => {
        const [row] = await platformDb.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM registry_initiatives
            WHERE initiative_id LIKE 'IP-HUB-AFR-rec-%'
              AND version = CASE WHEN initiative_id IN ('IP-HUB-AFR-rec-3', 'IP-HUB-AFR-rec-4') THEN 2 ELSE 1 END`,
        );
        return row.n === 20;
      },
      30_000,
    );
    const checksBefore = (await afr())?.reconciliation?.checks ?? 0;
    await waitFor(
      'a matching digest taken after that',
      async () => {
        const r = (await afr())?.reconciliation;
        return r?.matched === true && r.checks > checksBefore;
      },
      30_000,
    );

    // Behind the platform's back: five records vanish from its read model.
    const lost = ['rec-0', 'rec-3', 'rec-4', 'rec-10', 'rec-19'].map((l) => `IP-HUB-AFR-${l}`);
    await platformDb.query(`DELETE FROM registry_initiatives WHERE initiative_id = ANY($1::text[])`, [lost]);

    const repaired = await waitFor(
      'a repair, then a matching digest again',
      async () => {
        const s = await afr();
        return s?.reconciliation?.matched && s.reconciliation.repairedTotal > 0 ? s : undefined;
      },
      30_000,
      200,
    );
    expect(repaired.records).toBe(20);
    expect(repaired.reconciliation?.lastRepair).toMatchObject({ requested: 5, resent: 5, unexplained: [] });
    const back = await platformDb.query<{ initiative_id: string; version: number; withdrawn: boolean }>(
      `SELECT initiative_id, version, withdrawn FROM registry_initiatives WHERE initiative_id = ANY($1::text[]) ORDER BY 1`,
      [lost],
    );
    expect(back).toEqual([
      { initiative_id: 'IP-HUB-AFR-rec-0', version: 1, withdrawn: false },
      { initiative_id: 'IP-HUB-AFR-rec-10', version: 1, withdrawn: false },
      { initiative_id: 'IP-HUB-AFR-rec-19', version: 1, withdrawn: false },
      { initiative_id: 'IP-HUB-AFR-rec-3', version: 2, withdrawn: false },
      { initiative_id: 'IP-HUB-AFR-rec-4', version: 2, withdrawn: true },
    ]);
    const lines = platform.logLines();
    expect(
      lines.some((l) => l.msg === 'reconciliation checked' && l.matched === false && l.source === '/ctp/hubs/afr'),
    ).toBe(true);
    expect(lines.find((l) => l.msg === 'reconciliation repair')).toMatchObject({
      source: '/ctp/hubs/afr',
      requested: 5,
      resent: 5,
    });
    const view = await syncView(platform.baseUrl);
    expect(Object.keys(view.consumers)).toEqual(expect.arrayContaining(['platform-hubs', 'platform-partners']));
  });
});
