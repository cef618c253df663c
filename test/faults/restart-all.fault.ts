import { HubLoad } from './support/load';
import { FaultRig, printSummary } from './support/rig';

/**
 * Every service (two hubs and the platform) stopped and started again five times in a row under load, alternating
 * SIGKILL and a graceful SIGTERM: the regional systems keep retrying, the relays resume from their outboxes, the
 * platform's durable consumers resume where they stopped.
 */
describe('fault restart-all', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await FaultRig.create({ name: 'restart-all' });
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
  }, 60_000);

  it('catches up with nothing lost or doubled after five restarts of everything', async () => {
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'ra', initiatives: 150, updates: 2, withdrawEvery: 10, concurrency: 6, deadlineMs: 120_000 },
    );
    await rig.poison();
    const running = load.run();
    for (let round = 0; round < 5; round++) {
      await load.reachedFraction(0.12 * (round + 1));
      const signal = round % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
      await Promise.all(rig.services.map((s) => s.kill(signal)));
      await rig.startAll();
    }
    await running;

    const caughtUp = await rig.waitCaughtUp(60_000);
    printSummary('restart-all', await rig.verify(load, caughtUp));
  }, 240_000);
});
