import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { as } from '../support/auth';
import { HubLoad } from './support/load';
import { pgDump, pgRestore, waitUntil } from './support/restore';
import { FaultRig, printSummary } from './support/rig';
import { ScenarioDatabase } from './support/scenario-db';

const ROOT = join(__dirname, '..', '..');

/**
 * The platform's database restored from an old backup: `pg_dump -Fc` of the platform's database at 40 % of the load,
 * the load finished and applied, the platform stopped, the dump restored, the platform started while the hubs keep
 * reporting. The durable consumer has acknowledged everything, so without more the events between the backup and now
 * would never come back. The platform stored its consumer's acknowledged position in the database; at start-up it sees
 * the broker past it and rewinds the consumer there: every event since is delivered again, those the backup held are
 * recognised by the inbox, the others applied. Then the invariants, and the read model and rollups equal to a rebuild.
 */
describe('fault platform-restore', () => {
  let rig: FaultRig;
  /** The running load, stopped before the processes go when the test fails. */
  let started: HubLoad | undefined;
  let dir: string;
  let rebuildDb: ScenarioDatabase | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctp-platform-restore-'));
    rig = await FaultRig.create({
      name: 'platform-restore',
      hubEnv: { RECONCILE_INTERVAL_MS: '500', RECONCILE_HEARTBEAT_MS: '2000' },
    });
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await started?.stop();
    await rig?.teardown();
    await rebuildDb?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('replays from the position its restored database recorded, and converges', async () => {
    const targets = rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl }));
    // Paced (250 ms between a worker's requests, about 12 s in all on a quick machine): the backup is taken while it
    // runs, after the platform recorded a position (every 5 s), so that the restored database lacks what came after.
    const load = new HubLoad(targets, {
      prefix: 'pr',
      initiatives: 60,
      updates: 2,
      withdrawEvery: 10,
      concurrency: 4,
      deadlineMs: 90_000,
      pauseMs: 250,
    });
    await rig.poison();
    started = load;
    const running = load.run();
    running.catch(() => undefined); // awaited below; handled too if the test fails before
    await load.reachedFraction(0.4);
    // The platform records its consumers' positions every few seconds: the backup holds one.
    await waitUntil('the platform recorded a consumer position', 15_000, async () => {
      const rows = await rig.platformDb.query<{ n: string }>(
        `SELECT acked_through AS n FROM consumer_positions WHERE consumer = 'platform-hubs'`,
      );
      return rows.length === 1 && Number(rows[0].n) > 0;
    });
    const dump = join(dir, 'platform.dump');
    await pgDump(rig.platformDb, dump);
    await running;
    const before = await rig.waitCaughtUp(60_000);
    expect(FaultRig.caughtUp(before.last)).toBe(true);

    await rig.platform.stop();
    await pgRestore(rig.platformDb, dump);
    // The fault is real: the restored registry lacks changes the hubs accepted, and the inbox the events.
    const restored = await rig.observe();
    expect(restored.registryMismatches.length).toBeGreaterThan(10);
    expect(restored.undecided.length).toBeGreaterThan(10);

    const [{ position }] = await rig.platformDb.query<{ position: string }>(
      `SELECT acked_through AS position FROM consumer_positions WHERE consumer = 'platform-hubs'`,
    );
    // The hubs keep reporting while the platform restarts.
    const after = new HubLoad(targets, {
      prefix: 'pr2',
      initiatives: 20,
      updates: 1,
      withdrawEvery: 10,
      concurrency: 2,
      deadlineMs: 30_000,
      pauseMs: 20,
    });
    const more = after.run();
    await rig.platform.start(45_000);
    await more;
    for (const [id, a] of after.accepted) load.accepted.set(id, a);

    const caughtUp = await rig.waitCaughtUp(60_000);
    const counts = await rig.verify(load, caughtUp);

    const rewound = rig.platformLines().filter((l) => String(l.msg).startsWith('consumer rewound'));
    expect(rewound).toEqual([
      expect.objectContaining({
        consumer: 'platform-hubs',
        databaseAckedThrough: Number(position),
        replayFrom: Number(position) + 1,
      }),
    ]);
    expect(Number(rewound[0].brokerAckedThrough)).toBeGreaterThan(Number(position));
    // The replay met the events the backup held (recognised by the inbox, not applied again) and those it lacked.
    const replayed = rig
      .platformLines()
      .filter(
        (l) => l.msg === 'event handled' && l.consumer === 'platform-hubs' && Number(l.streamSeq) > Number(position),
      );
    expect(replayed.filter((l) => l.outcome === 'DUPLICATE_DELIVERY').length).toBeGreaterThan(0);

    // The read model and the rollups equal those of a rebuild from the stream.
    rebuildDb = ScenarioDatabase.fresh('platform_restore_rebuild');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'dist/scripts/platform-rebuild.js'), '--database', rebuildDb.name, '--keep', '--timeout', '60s'],
      {
        env: { PATH: process.env.PATH ?? '', NATS_URL: rig.natsUrl, DATABASE_URL: rig.platformDb.url },
        timeout: 90_000,
      },
    );
    const verdict = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; live?: unknown })
      .find((l) => l.live);
    expect(verdict?.msg).toBe('rebuild matches the live read model');
    const counted = (db: ScenarioDatabase) =>
      db.query<{ region: string; primary_stream: string; status: string; reported: number; deduplicated: number }>(
        `SELECT f.region, f.primary_stream, f.status, count(*)::int AS reported,
                (count(*) FILTER (WHERE c.cluster_id IS NULL OR c.cluster_id = f.initiative_id))::int AS deduplicated
           FROM rollup_facts f LEFT JOIN registry_clusters c ON c.initiative_id = f.initiative_id
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
    const rebuilt = await counted(rebuildDb);
    expect(await counted(rig.platformDb)).toEqual(rebuilt);
    const res = await fetch(`${rig.platform.baseUrl}/rollups`, { headers: await as.operator() });
    const totals = ((await res.json()) as { totals: { reported: number; deduplicated: number } }).totals;
    expect(totals).toEqual({
      reported: rebuilt.reduce((a, r) => a + r.reported, 0),
      deduplicated: rebuilt.reduce((a, r) => a + r.deduplicated, 0),
    });
    printSummary('platform-restore', counts);
  }, 170_000);
});
