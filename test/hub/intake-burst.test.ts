import { connect } from '@nats-io/transport-node';
import { NatsConnection } from '@nats-io/nats-core';
import { TestDatabase } from '../support/databases';
import { initiativeBody } from '../support/hub-fixtures';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess } from '../support/services';

type Reply = {
  id?: string;
  response?: { status: string; initiativeId: string };
  err?: { statusCode: number; message: string };
};

const UPSERT = 'ctp-intake.hub.mde.initiatives.upsert';
const BURST = 600;

/**
 * #13: 5,000 rapid NATS intake requests exhausted a hub's database pool (424 answered 503, readiness red meanwhile).
 * Intake now works on INTAKE_MAX_CONCURRENT requests at once (below the pool's size), the others wait their turn in a
 * bounded queue; readiness keeps its connections. Each case: a burst of concurrent requests against a real hub while
 * /health/ready is polled without pause; every probe must answer 200.
 */
describe.each<{ name: string; env: Record<string, string>; smallQueue: boolean }>([
  { name: 'the default settings', env: {}, smallQueue: false },
  {
    name: 'a queue of 20 behind one turn',
    env: { INTAKE_MAX_CONCURRENT: '1', INTAKE_QUEUE_MAX: '20' },
    smallQueue: true,
  },
])('hub NATS intake under a burst, with $name', ({ env, smallQueue }) => {
  let nats: TestNatsServer;
  let hub: ServiceProcess;
  let nc: NatsConnection;
  const db = TestDatabase.fresh(smallQueue ? 'burst_small' : 'burst');

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    hub = new ServiceProcess(
      'hub',
      { HUB_REGION: 'mde', PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: db.url, ...env },
      smallQueue ? 'burst-small-hub-mde' : 'burst-hub-mde',
    );
    await hub.start();
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await hub?.stop();
    await nats?.stop();
    await db.drop();
  });

  it(
    smallQueue
      ? 'answers 503 only beyond the queue, accepts and stores the rest, and stays ready'
      : `accepts all ${BURST} concurrent requests, stores each, and stays ready throughout`,
    async () => {
      let bursting = true;
      const probes: number[] = [];
      const poll = (async () => {
        while (bursting) {
          const res = await fetch(`${hub.baseUrl}/health/ready`);
          probes.push(res.status);
          await res.arrayBuffer();
        }
      })();
      const replies = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          nc
            .request(
              UPSERT,
              JSON.stringify({ pattern: UPSERT, id: `b${i}`, data: initiativeBody({ localId: `burst-${i}` }) }),
              {
                timeout: 60_000,
              },
            )
            .then((m) => m.json<Reply>()),
        ),
      ).finally(() => (bursting = false));
      await poll;

      const accepted = replies.filter((r) => r.response?.status === 'ACCEPTED');
      const busy = replies.filter((r) => r.err?.statusCode === 503);
      // Every request has its answer, matched by id; nothing but ACCEPTED or (beyond the queue) 503.
      expect(replies.map((r) => r.id)).toEqual(Array.from({ length: BURST }, (_, i) => `b${i}`));
      expect(accepted.length + busy.length).toBe(BURST);
      if (smallQueue) {
        expect(busy.length).toBeGreaterThan(0);
        expect(accepted.length).toBeGreaterThanOrEqual(21); // the one turn and the 20 waiting, at least
        for (const b of busy) expect(b.err!.message).toMatch(/^the hub is busy/);
        // Refusals are summarised in the log, not written one line each (a burst of thousands would flood it).
        const busyLines = hub.logLines().filter((l) => l.msg === 'NATS intake busy');
        expect(busyLines.length).toBeGreaterThan(0);
        expect(busyLines.length).toBeLessThan(busy.length);
        expect(busyLines[0].refused).toBe(1);
      } else {
        expect(busy).toEqual([]);
      }
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM initiatives WHERE initiative_id LIKE 'IP-HUB-MDE-burst-%'`,
      );
      expect(n).toBe(accepted.length);
      // Readiness reflected the service, not the burst: every probe during it answered 200.
      expect(probes.length).toBeGreaterThan(0);
      expect(probes.filter((s) => s !== 200)).toEqual([]);
    },
  );
});
