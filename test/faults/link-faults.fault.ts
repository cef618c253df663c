import { PG_ADMIN_URL } from '../support/databases';
import { as } from '../support/auth';
import { initiativeBody } from '../support/hub-fixtures';
import { HubLoad, sleep } from './support/load';
import { FaultRig, jsonLines, printSummary } from './support/rig';
import { LinkMode, TcpProxy } from './support/tcp-proxy';

/** How long each fault lasts before the links heal. */
const FAULT_MS = 4000;
/** A healed hub must be ready again within this long (its NATS client reconnects every 0.5 s, its pool at once). */
const READY_WITHIN_MS = 15_000;

/**
 * A bad link between a service and its broker and database: hub `afr` reaches nats-server and PostgreSQL only through
 * TCP proxies of the harness (`support/tcp-proxy.ts`), and in the middle of the load both links turn, one after the
 * other and for four seconds each, slow (200 ms added to every chunk), resetting (every open connection reset, every
 * new one refused with a reset) and black-holed (connections accepted, nothing forwarded, held bytes delivered on
 * healing). After each fault the links heal and the hub must be ready again (`/health/ready` 200); at the end the
 * invariants must hold, for the hub behind the proxies as for the other.
 */
describe('fault link-faults', () => {
  let rig: FaultRig;
  /** The running load, stopped before the processes go when the test fails. */
  let started: HubLoad | undefined;
  let nats: TcpProxy;
  let pg: TcpProxy;

  beforeAll(async () => {
    rig = await FaultRig.create({ name: 'link-faults' });
    const natsAt = new URL(rig.natsUrl);
    nats = await TcpProxy.start({ host: natsAt.hostname, port: Number(natsAt.port) });
    const pgAt = new URL(PG_ADMIN_URL);
    pg = await TcpProxy.start({ host: pgAt.hostname, port: Number(pgAt.port || 5432) });
    const afr = rig.hub('afr');
    afr.proc.env.NATS_URL = nats.rewrite(rig.natsUrl);
    afr.proc.env.DATABASE_URL = pg.rewrite(afr.db.url);
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await started?.stop();
    await rig?.teardown();
    await nats?.close();
    await pg?.close();
  }, 60_000);

  it('rides out a slow, a resetting and a black-holed link to NATS and PostgreSQL, and is ready again after each', async () => {
    const afr = rig.hub('afr');
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      {
        prefix: 'lf',
        initiatives: 150,
        updates: 2,
        withdrawEvery: 10,
        concurrency: 4,
        deadlineMs: 80_000,
        pauseMs: 10,
      },
    );
    await rig.poison();
    started = load;
    const running = load.run();
    running.catch(() => undefined); // awaited below; handled too if the test fails before

    const faults: { mode: LinkMode; at: number; latencyMs?: number }[] = [
      { mode: 'slow', at: 0.15, latencyMs: 200 },
      { mode: 'reset', at: 0.3 },
      { mode: 'black-hole', at: 0.45 },
    ];
    const seen: string[] = [];
    for (const fault of faults) {
      await load.reachedFraction(fault.at);
      const resetBefore = nats.reset + pg.reset;
      const acceptedBefore = { ...load.acceptedAt };
      for (const link of [nats, pg]) link.setMode(fault.mode, { latencyMs: fault.latencyMs });
      // Readiness while the fault lasts: answered by the hub's HTTP server, which the proxies do not touch.
      const readiness: number[] = [];
      const until = Date.now() + FAULT_MS;
      while (Date.now() < until) {
        readiness.push(await ready(afr.proc.baseUrl));
        await sleep(250);
      }
      const during = rig.hubs
        .map((h) => `${h.region} ${(load.acceptedAt[h.region] ?? 0) - (acceptedBefore[h.region] ?? 0)}`)
        .join(', ');
      // And a change reported to eur while the fault lasts (its share of the load may be done on a fast machine).
      const probe = await fetch(`${rig.hub('eur').proc.baseUrl}/initiatives`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await as.hub('eur')) },
        body: JSON.stringify({ localId: `lf-probe-${fault.mode}`, ...initiativeBody() }),
      });
      const eurDuring = (load.acceptedAt.eur ?? 0) - (acceptedBefore.eur ?? 0) + (probe.status === 201 ? 1 : 0);
      for (const link of [nats, pg]) link.heal();
      const healedAt = Date.now();
      let readyAfterMs = -1;
      while (Date.now() - healedAt < READY_WITHIN_MS) {
        if ((await ready(afr.proc.baseUrl)) === 200) {
          readyAfterMs = Date.now() - healedAt;
          break;
        }
        await sleep(100);
      }
      seen.push(
        `${fault.mode}: changes accepted meanwhile ${during}, readiness ${[...new Set(readiness)].join('/')}, ready ${readyAfterMs} ms after healing`,
      );
      expect({ mode: fault.mode, readyAfterHealing: readyAfterMs >= 0 }).toEqual({
        mode: fault.mode,
        readyAfterHealing: true,
      });
      // The fault was felt: a reset cut connections; a black hole made the hub not ready (its checks time out).
      if (fault.mode === 'reset') expect(nats.reset + pg.reset).toBeGreaterThan(resetBefore);
      if (fault.mode === 'black-hole') expect(readiness.some((s) => s !== 200)).toBe(true);
      // The other hub, on direct links, went on working.
      expect({ mode: fault.mode, eurAcceptedChanges: eurDuring > 0 }).toEqual({
        mode: fault.mode,
        eurAcceptedChanges: true,
      });
    }
    await running;

    const caughtUp = await rig.waitCaughtUp(60_000);
    const counts = await rig.verify(load, caughtUp);
    printSummary('link-faults', counts);
    console.log(`fault link-faults: ${seen.join('; ')}`);
    // The hub behind the proxies reconnected to NATS by itself after the resets.
    expect(jsonLines(afr.proc).some((l) => l.msg === 'NATS reconnected')).toBe(true);
  }, 180_000);
});

/** `/health/ready`'s status, or 0 when the hub did not answer within 3 s. */
async function ready(baseUrl: string): Promise<number> {
  try {
    const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
