import { HubLoad, sleep } from './support/load';
import { FaultRig, printSummary } from './support/rig';

/**
 * The platform SIGKILLed three times in the middle of a burst and restarted each time. With small batches and many
 * commits a second, a kill lands at random before a batch's commit (its events come back and are applied then) or
 * after the commit and before the acks reached the broker (they come back and the inbox calls them
 * DUPLICATE_DELIVERY). ack_wait is 2 s so that what the dead process held comes back quickly.
 */
describe('fault platform-kill', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await FaultRig.create({
      name: 'platform-kill',
      platformEnv: { CONSUMER_ACK_WAIT_MS: '2000', CONSUMER_MAX_BATCH: '20' },
    });
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
  }, 60_000);

  it('applies every event once across three SIGKILLs of the consumer', async () => {
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'pk', initiatives: 150, updates: 2, withdrawEvery: 10, concurrency: 6, deadlineMs: 90_000 },
    );
    await rig.poison();
    const running = load.run();
    for (const fraction of [0.25, 0.5, 0.75]) {
      await load.reachedFraction(fraction);
      await rig.platform.kill('SIGKILL');
      await sleep(200);
      await rig.platform.start(45_000);
    }
    await running;

    const caughtUp = await rig.waitCaughtUp(60_000);
    const counts = await rig.verify(load, caughtUp);
    printSummary('platform-kill', counts);
    // What the killed processes held came back: the redelivery path was taken, and changed nothing (verified above).
    expect(counts.redelivered).toBeGreaterThan(0);
  }, 180_000);
});
