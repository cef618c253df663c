import { HubLoad, sleep } from './support/load';
import { FaultRig, printSummary } from './support/rig';
import { TestPostgresCluster } from './support/postgres-cluster';

/**
 * PostgreSQL stopped abruptly (`pg_ctl stop -m immediate`) in the middle of the load, and started again three seconds
 * later (crash recovery). The hubs' and the platform's databases are on a server of the scenario's own. The hubs
 * refuse requests meanwhile (the regional systems retry), the relays retry, the platform's consumer naks and the
 * broker redelivers; once the server is back, everything reconnects and catches up.
 */
/** Longer than the consumer's whole retry budget (4 naks: 0.5 + 1 + 2 + 4 s) before CONSUMER_MAX_DELIVER (5). */
const OUTAGE_MS = 10_000;

describe('fault postgres-stop', () => {
  let pg: TestPostgresCluster;
  let rig: FaultRig;

  beforeAll(async () => {
    pg = await TestPostgresCluster.create();
    rig = await FaultRig.create({ name: 'postgres-stop', pgAdminUrl: pg.adminUrl });
    await rig.startAll();
  }, 90_000);

  afterAll(async () => {
    await rig?.teardown();
    await pg?.destroy();
  }, 60_000);

  it('reconnects after an immediate stop of the database server, with nothing lost or doubled', async () => {
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'ps', initiatives: 120, updates: 2, withdrawEvery: 10, concurrency: 6, deadlineMs: 90_000 },
    );
    await rig.poison();
    const running = load.run();
    await load.reachedFraction(0.35);
    await pg.stopImmediately();
    const failedBefore = load.failedAttempts;
    await sleep(OUTAGE_MS);
    await pg.start();
    await running;
    // The outage was felt: requests failed while the server was down (and were retried).
    expect(load.failedAttempts).toBeGreaterThan(failedBefore);

    const caughtUp = await rig.waitCaughtUp(60_000);
    printSummary('postgres-stop', await rig.verify(load, caughtUp));
  }, 180_000);
});
