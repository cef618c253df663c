import { HubLoad, sleep } from './support/load';
import { FaultRig, jsonLines, printSummary } from './support/rig';

/**
 * A hub process SIGKILLed twice in the middle of a burst of REST reports, and restarted: requests in flight get no
 * answer (the regional system retries), the relay may have published rows it had not yet marked sent (the restarted
 * relay publishes them again: the broker's dedupe window drops them, the platform's inbox would after it), and the
 * other hub is not disturbed. So that the re-publication path is taken every time, not only when a kill happens to
 * land between a PubAck and the UPDATE, the last ten sent rows are marked unsent again while the hub is down.
 */
describe('fault hub-kill', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    // Debug: the relay's "outbox relayed" line, with how many publishes the broker answered as duplicates.
    rig = await FaultRig.create({ name: 'hub-kill', hubEnv: { LOG_LEVEL: 'debug' } });
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
  }, 60_000);

  it('keeps every change a killed hub accepted, publishing each once', async () => {
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'hk', initiatives: 150, updates: 2, withdrawEvery: 10, concurrency: 6, deadlineMs: 90_000 },
    );
    const victim = rig.hubs[0].proc;
    await rig.poison();
    const running = load.run();
    let unmarked = 0;
    for (const fraction of [0.25, 0.5]) {
      await load.reachedFraction(fraction);
      await victim.kill('SIGKILL');
      // Whether or not this kill fell between a PubAck and its UPDATE, make sure it did for the last ten rows: they
      // are unsent again, and the restarted relay publishes them again within the broker's dedupe window.
      const rows = await rig.hubs[0].db.query(
        `UPDATE outbox_events SET sent_at = NULL WHERE id IN (
           SELECT id FROM outbox_events WHERE sent_at IS NOT NULL ORDER BY id DESC LIMIT 10) RETURNING id`,
      );
      unmarked += rows.length;
      await sleep(300);
      await victim.start(45_000);
      // Let the restarted relay re-publish those rows before the next kill: otherwise a kill a moment after the
      // restart would leave them for the run after it, and the count of duplicates below would be off.
      const ids = (rows as { id: string }[]).map((r) => r.id);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [pending] = await rig.hubs[0].db.query(
          `SELECT count(*)::int AS n FROM outbox_events WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`,
          [ids],
        );
        if ((pending as { n: number }).n === 0) break;
        if (Date.now() > deadline) throw new Error('the restarted relay did not re-publish the unmarked rows in 30 s');
        await sleep(50);
      }
      // Log lines are written every LOG_FLUSH_MS (100 ms): a SIGKILL loses what is still in the buffer, and the
      // count below reads the relay's "outbox relayed" lines. Give the line of that re-publication time to be written.
      await sleep(300);
    }
    await running;

    const caughtUp = await rig.waitCaughtUp(60_000);
    printSummary('hub-kill', await rig.verify(load, caughtUp));
    // The restarted relay published rows the broker already had: it answered "duplicate", and nothing reached the
    // platform twice (verified above). The relay's debug line counts them.
    const duplicates = jsonLines(victim)
      .filter((l) => l.msg === 'outbox relayed')
      .reduce((a, l) => a + Number(l.duplicates), 0);
    expect(duplicates).toBeGreaterThanOrEqual(unmarked);
  }, 180_000);
});
