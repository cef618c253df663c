import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { as } from '../support/auth';
import { initiativeBody } from '../support/hub-fixtures';
import { HubLoad } from './support/load';
import { contentHash, pgDump, pgRestore, publishedContents, waitUntil } from './support/restore';
import { FaultRig, jsonLines, printSummary } from './support/rig';

/**
 * A hub's database restored from a backup older than its last published events: `pg_dump -Fc` of hub `afr` taken at
 * 40 % of the load, the load finished (the platform applies everything, at versions the dump does not know), the hub
 * stopped, the dump restored, the hub started. Its start-up check reads its own events back from the stream and stores
 * again every record published after the dump, before it accepts a write; writes after the restore then get the
 * versions after the platform's. The invariants hold over every change accepted before and after the backup.
 */
describe('fault hub-restore', () => {
  let rig: FaultRig;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctp-hub-restore-'));
    rig = await FaultRig.create({
      name: 'hub-restore',
      hubEnv: { RECONCILE_INTERVAL_MS: '500', RECONCILE_HEARTBEAT_MS: '2000' },
    });
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('recovers from its stream what a restored hub lost, and never gives a version twice', async () => {
    const victim = rig.hub('afr');
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'hr', initiatives: 80, updates: 2, withdrawEvery: 10, concurrency: 4, deadlineMs: 60_000 },
    );
    await rig.poison();
    const running = load.run();
    await load.reachedFraction(0.4);
    const dump = join(dir, 'hub-afr.dump');
    await pgDump(victim.db, dump);
    await running;

    // Everything the hub accepted is published before it goes down (its outbox empty), then it is restored.
    await waitUntil('hub afr published its outbox', 30_000, async () => {
      const [{ n }] = await victim.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL`,
      );
      return n === 0;
    });
    await victim.proc.stop();
    await pgRestore(victim.db, dump);
    const restored = new Map(
      (
        await victim.db.query<{ initiative_id: string; version: number }>(
          `SELECT initiative_id, version FROM initiatives`,
        )
      ).map((r) => [r.initiative_id, r.version]),
    );
    const behind = [...load.accepted].filter(
      ([id, a]) => id.startsWith('IP-HUB-AFR-') && (restored.get(id) ?? 0) < a.version,
    );
    // The fault is real: the restored database lacks changes the hub accepted (and the platform applied).
    expect(behind.length).toBeGreaterThan(10);

    const recoveredLines = () => jsonLines(victim.proc).filter((l) => l.msg === 'stream recovery done');
    const before = recoveredLines().length;
    const restartedAt = Date.now();
    await victim.proc.start(45_000);
    // The restarted hub's own line (its log reaches the file a moment after it turns ready), not the first run's.
    for (const until = Date.now() + 15_000; recoveredLines().length <= before && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const recovered = recoveredLines();
    expect(recovered.length).toBeGreaterThan(before);
    const last = recovered[recovered.length - 1];
    expect(last).toMatchObject({ fresh: false, reimported: behind.length, conflicts: 0 });
    console.log(
      `fault hub-restore: restored database ${behind.length} records behind; start-up check read ${String(
        last.events,
      )} events, re-imported ${String(last.reimported)}, ready in ${Date.now() - restartedAt} ms`,
    );

    // Writes after the restore: every record that came back from the stream is changed once more, on the version the
    // stream gave it, and gets the next one (the platform applies it: no version given twice); new reports at both hubs.
    let updated = 0;
    for (const [id, a] of behind) {
      if (a.withdrawn) continue;
      const localId = id.slice('IP-HUB-AFR-'.length);
      const res = await fetch(`${victim.proc.baseUrl}/initiatives/${encodeURIComponent(id)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'If-Match': `"${a.version}"`, ...(await as.hub('afr')) },
        body: JSON.stringify(
          initiativeBody({
            title: { lang: 'en', text: `Border screening course afr ${localId}` },
            titleAlt: [],
            recipientCountries: ['KE', 'TZ'],
            description: 'revision after the restore',
          }),
        ),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json()) as { version?: number };
      expect({ id, status: res.status, version: body.version }).toEqual({ id, status: 200, version: a.version + 1 });
      load.accepted.set(id, { version: a.version + 1, withdrawn: false });
      updated++;
    }
    expect(updated).toBeGreaterThan(0);
    const after = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'hr2', initiatives: 20, updates: 1, withdrawEvery: 10, concurrency: 4, deadlineMs: 30_000 },
    );
    await after.run();
    for (const [id, a] of after.accepted) load.accepted.set(id, a);

    const caughtUp = await rig.waitCaughtUp(60_000);
    const counts = await rig.verify(load, caughtUp);

    // No (initiative, version) published with two contents, and the platform holds each record with the hub's content.
    const published = await publishedContents(rig.js, rig.jsm, 'ctp.hub.afr.initiative.>');
    expect([...published].filter(([, hashes]) => hashes.size > 1).map(([key]) => key)).toEqual([]);
    const hubRows = await victim.db.query<{ initiative_id: string; snapshot: unknown }>(
      `SELECT initiative_id, snapshot FROM initiatives`,
    );
    const platformRows = new Map(
      (
        await rig.platformDb.query<{ initiative_id: string; snapshot: unknown }>(
          `SELECT initiative_id, snapshot FROM registry_initiatives WHERE source = $1`,
          [victim.source],
        )
      ).map((r) => [r.initiative_id, contentHash(r.snapshot)]),
    );
    expect(hubRows.filter((h) => platformRows.get(h.initiative_id) !== contentHash(h.snapshot)).length).toBe(0);
    printSummary('hub-restore', counts);
  }, 170_000);
});
