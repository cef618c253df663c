import { DiscardPolicy } from '@nats-io/jetstream';
import { JetStreamNames } from '@ctp/contracts';
import { as } from '../support/auth';
import { HubLoad, sleep } from './support/load';
import { FaultRig, jsonLines, printSummary } from './support/rig';

/** How long the stream stays full under load before the operator frees space. */
const FULL_MS = 5000;

/**
 * JetStream out of storage: at a quarter of the load, the events stream (`CTP_EVENTS`, where the hubs publish) is
 * limited to a few kilobytes more than it holds, with `discard: new`, as a stream at its `max_bytes` is. The broker
 * then refuses every publish ("maximum bytes exceeded"); the hubs keep accepting changes, their outboxes keep the rows
 * (sent_at null), the relays retry with backoff and say why in a WARN naming the stream. After five seconds the
 * operator raises the limit (`nats stream edit CTP_EVENTS --max-bytes …`, here: the stream's configuration as it was);
 * the relays publish the backlog and nothing is lost or doubled.
 */
describe('fault jetstream-full', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await FaultRig.create({ name: 'jetstream-full' });
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
  }, 60_000);

  it('keeps every refused publish in the outbox while the stream is full, and loses nothing once space is freed', async () => {
    const stream = JetStreamNames.eventsStream;
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'jf', initiatives: 100, updates: 2, withdrawEvery: 10, concurrency: 4, deadlineMs: 60_000 },
    );
    await rig.poison();
    const running = load.run();
    await load.reachedFraction(0.25);

    // The stream at its limit: a few kilobytes of room left, then every publish is refused.
    const before = await rig.jsm.streams.info(stream);
    const maxBytes = before.state.bytes + 4096;
    await rig.jsm.streams.update(stream, { ...before.config, max_bytes: maxBytes, discard: DiscardPolicy.New });
    const acceptedAtFull = load.acceptedChanges;
    const fullSince = Date.now();

    // While it is full: rows pile up unsent in the hubs' outboxes, with failed attempts counted, and the stream does
    // not grow past its limit.
    let unsent = 0;
    while (Date.now() - fullSince < FULL_MS) {
      unsent = 0;
      for (const hub of rig.hubs) {
        const [{ n }] = await hub.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL AND attempts > 0`,
        );
        unsent += n;
      }
      await sleep(250);
    }
    const whileFull = await rig.jsm.streams.info(stream);
    expect(whileFull.state.bytes).toBeLessThanOrEqual(maxBytes);
    expect(unsent).toBeGreaterThan(0);
    // The hubs kept accepting changes: their outboxes hold them.
    expect(load.acceptedChanges).toBeGreaterThan(acceptedAtFull);

    // What the operator sees: the relay's WARN naming the stream and why, and the failure counter on /metrics.
    const warnings = rig.hubs.flatMap((h) =>
      jsonLines(h.proc).filter((l) => l.msg === 'outbox relay cannot publish yet, will retry' && l.level === 'warn'),
    );
    expect(warnings.length).toBeGreaterThan(0);
    expect(String(warnings[0].err)).toContain(`stream ${stream} is full (maximum bytes exceeded, JetStream 10077)`);
    const failures = await Promise.all(rig.hubs.map((h) => publishFailures(h.proc.baseUrl)));
    expect(failures.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    // The operator frees space: the limit raised (here back to the configuration the stream had).
    await rig.jsm.streams.update(stream, before.config);
    const freedAt = Date.now();
    await running;

    const caughtUp = await rig.waitCaughtUp(60_000);
    const counts = await rig.verify(load, caughtUp);
    printSummary('jetstream-full', counts);
    // Each relay said it recovered.
    for (const hub of rig.hubs) {
      expect(jsonLines(hub.proc).some((l) => l.msg === 'outbox relay recovered')).toBe(true);
    }
    console.log(
      `fault jetstream-full: full for ${freedAt - fullSince} ms at ${maxBytes} bytes, ${unsent} rows waiting unsent, ${failures.join(
        '+',
      )} publish failures counted`,
    );
  }, 180_000);
});

/** `ctp_outbox_publish_failures_total` of a service, from its /metrics. */
async function publishFailures(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: await as.operator(), signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(200);
  const line = (await res.text()).split('\n').find((l) => l.startsWith('ctp_outbox_publish_failures_total'));
  return Number(line?.split(' ').pop() ?? 0);
}
