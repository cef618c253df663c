import { HubLoad, sleep } from './support/load';
import { ServiceProcess } from '../support/services';
import { FaultRig, jsonLines, printSummary } from './support/rig';

/**
 * nats-server killed with SIGKILL twice and restarted on the same port and store: once while the hubs relay a burst
 * of REST reports (publishes in flight lose their PubAck), once while the platform works through a backlog (acks in
 * flight may be lost, pull requests die with the connection).
 */
describe('fault nats-kill', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    // Small batches: the platform takes a while over the backlog, so the second kill finds work in flight.
    rig = await FaultRig.create({ name: 'nats-kill', platformEnv: { CONSUMER_MAX_BATCH: '20' } });
    await rig.startAll(rig.hubs.map((h) => h.proc));
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
  }, 60_000);

  it('loses nothing and applies nothing twice across two SIGKILLs of the broker', async () => {
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'nk', initiatives: 120, updates: 2, withdrawEvery: 10, concurrency: 6, deadlineMs: 60_000 },
    );
    await rig.poison();
    const running = load.run();

    // 1. During publishing: the hubs relay under load; the platform is not running yet, so a backlog builds up.
    await load.reachedFraction(0.3);
    await rig.nats!.killAndWait('SIGKILL');
    await sleep(1000);
    await rig.nats!.restart();
    await running;

    // 2. During consuming: the platform starts on the backlog; the broker dies under it once it is part-way through.
    await rig.startAll([rig.platform]);
    await waitForApplied(rig, Math.floor(load.acceptedChanges * 0.3));
    await rig.nats!.killAndWait('SIGKILL');
    await sleep(1000);
    await rig.nats!.restart();

    const caughtUp = await rig.waitCaughtUp(60_000);
    const counts = await rig.verify(load, caughtUp);
    printSummary('nats-kill', counts);
    // Every service felt both kills (the platform the second one) and came back by itself. Redeliveries are counted,
    // not required: acks the client could not send while the broker was down are sent after the reconnect, so whether
    // the broker delivers anything again depends on what it had on disk when it died.
    // The platform has a connection per thread (HTTP; consumers), each reconnecting once.
    const reconnects = (s: ServiceProcess, thread?: string) =>
      jsonLines(s).filter((l) => l.msg === 'NATS reconnected' && l.thread === thread).length;
    expect(rig.hubs.map((h) => reconnects(h.proc))).toEqual(rig.hubs.map(() => 2));
    expect([reconnects(rig.platform), reconnects(rig.platform, 'consumer')]).toEqual([1, 1]);
  }, 180_000);
});

async function waitForApplied(rig: FaultRig, n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [{ applied }] = await rig.platformDb
      .query<{ applied: number }>(`SELECT count(*)::int AS applied FROM registry_versions`)
      .catch(() => [{ applied: 0 }]);
    if (applied >= n) return;
    await sleep(20);
  }
  throw new Error(`the platform did not apply ${n} events within 60 s`);
}
