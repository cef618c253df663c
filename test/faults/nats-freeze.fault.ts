import { HubLoad, sleep } from './support/load';
import { FaultRig, printSummary } from './support/rig';

/**
 * nats-server frozen with SIGSTOP for about three seconds under load, then resumed with SIGCONT: TCP connections stay
 * open, nothing is refused, everything just stops answering — publishes wait for their PubAck, acks wait in socket
 * buffers, ack_wait timers run out on the broker's side the moment it resumes.
 */
describe('fault nats-freeze', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await FaultRig.create({ name: 'nats-freeze' });
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
  }, 60_000);

  it('resumes after a three-second freeze of the broker with nothing lost or doubled', async () => {
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'nf', initiatives: 120, updates: 2, withdrawEvery: 10, concurrency: 6, deadlineMs: 60_000 },
    );
    await rig.poison();
    const running = load.run();
    await load.reachedFraction(0.3);
    rig.nats!.kill('SIGSTOP');
    const frozenAt = load.acceptedChanges;
    await sleep(3000);
    rig.nats!.kill('SIGCONT');
    // The hubs kept accepting changes while the broker was frozen: their outboxes held them.
    expect(load.acceptedChanges).toBeGreaterThan(frozenAt);
    await running;

    const caughtUp = await rig.waitCaughtUp(60_000);
    printSummary('nats-freeze', await rig.verify(load, caughtUp));
  }, 180_000);
});
