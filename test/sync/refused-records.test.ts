import { as } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { call, initiativeBody } from '../support/hub-fixtures';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';
import { syncView } from '../support/sync-view';

type RefusedView = {
  count: number;
  records: { initiativeId: string; version: number; reason: string; detail: string | null }[];
};

/**
 * #13: a record the platform refuses for its content made the digests differ for ever, and reconciliation had the hub
 * re-publish it every minute. A hub restored from an older release may hold such a record (here: written into its
 * table directly, planned dates out of order): reconciliation asks for it once, the platform refuses it, remembers the
 * refusal, and from then on the digests match, with the record shown as refused in GET /sync.
 */
describe('reconciliation and a record the platform refuses for its content', () => {
  let nats: TestNatsServer;
  let hub: ServiceProcess;
  let platform: ServiceProcess;
  const hubDb = TestDatabase.fresh('refhub');
  const platformDb = TestDatabase.fresh('refplat');
  const BAD = 'IP-HUB-AFR-restored-bad';

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    hub = new ServiceProcess(
      'hub',
      {
        HUB_REGION: 'afr',
        PORT: String(await freePort()),
        NATS_URL: nats.url,
        DATABASE_URL: hubDb.url,
        RECONCILE_INTERVAL_MS: '300',
        RECONCILE_HEARTBEAT_MS: '1000',
      },
      'hub-afr',
    );
    platform = new ServiceProcess('platform', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: platformDb.url,
    });
    await Promise.all([hub.start(), platform.start()]);
  });

  afterAll(async () => {
    await Promise.all([hub?.stop(), platform?.stop()]);
    await nats?.stop();
    await Promise.all([hubDb.drop(), platformDb.drop()]);
  });

  const afr = async () => (await syncView(platform.baseUrl)).sources.find((s) => s.source === '/ctp/hubs/afr');
  /** Events about the bad record the hub wrote to its outbox (each re-publication is one). */
  const published = async () =>
    (
      await hubDb.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE payload LIKE $1`, [
        `%"initiativeId":"${BAD}"%`,
      ])
    )[0].n;
  /** Events the platform refused from the hub (only the bad record's can be). */
  const refusedEvents = async () =>
    (
      await platformDb.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM inbox_events WHERE source = '/ctp/hubs/afr' AND outcome = 'REJECTED'`,
      )
    )[0].n;

  it('is re-published at most once, then counted as known: the digests match and GET /sync shows it refused', async () => {
    for (const localId of ['good-1', 'good-2']) {
      expect((await call(hub.baseUrl, 'POST', '/initiatives', initiativeBody({ localId }))).status).toBe(201);
    }
    await waitFor('a matching digest with both records', async () => {
      const s = await afr();
      return s?.records === 2 && s.reconciliation?.matched === true;
    });

    // Behind the hub's API (as a restore from an older release would leave it): a copy of good-1 whose planned dates
    // are out of order, which no consumer accepts. No outbox row: only reconciliation can bring it to the platform.
    await hubDb.query(
      `INSERT INTO initiatives
       SELECT (jsonb_populate_record(i, jsonb_build_object('initiative_id', $1::text, 'snapshot',
                 jsonb_set(jsonb_set(jsonb_set(i.snapshot, '{initiativeId}', to_jsonb($1::text)),
                   '{dates,plannedStart}', '"2027-03-05"'), '{dates,plannedEnd}', '"2027-03-01"')))).*
         FROM initiatives i WHERE i.initiative_id = 'IP-HUB-AFR-good-1'`,
      [BAD],
    );

    const refusedSeen = await waitFor(
      'the platform to refuse the re-published record and count it as known',
      async () => {
        const s = await afr();
        const refused = (s as unknown as { refused?: RefusedView })?.refused;
        return refused?.count === 1 && s?.reconciliation?.matched === true ? { s, refused } : undefined;
      },
      30_000,
      200,
    );
    expect(refusedSeen.refused.records).toEqual([
      expect.objectContaining({ initiativeId: BAD, version: 1, reason: 'INVALID_DATES' }),
    ]);
    expect(refusedSeen.s.records).toBe(2);
    expect(refusedSeen.s.reconciliation?.sourceDigest.count).toBe(3);
    expect(await published()).toBe(1);
    expect(await refusedEvents()).toBe(1);

    // Many more digests later (one every 300 ms to 1 s): still matched, still one re-publication, no new repair.
    const checks = refusedSeen.s.reconciliation!.checks;
    const repaired = refusedSeen.s.reconciliation!.repairedTotal;
    await waitFor(
      'five more digests checked',
      async () => ((await afr())?.reconciliation?.checks ?? 0) >= checks + 5,
      30_000,
      200,
    );
    const after = await afr();
    expect(after?.reconciliation?.matched).toBe(true);
    expect(after?.reconciliation?.repairedTotal).toBe(repaired);
    expect(await published()).toBe(1);
    expect(await refusedEvents()).toBe(1);
    const [{ n: inRegistry }] = await platformDb.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM registry_initiatives WHERE initiative_id = $1`,
      [BAD],
    );
    expect(inRegistry).toBe(0);

    // The metric says so too (the consumer thread's, merged into GET /metrics).
    const metrics = await fetch(`${platform.baseUrl}/metrics`, { headers: await as.operator() }).then((r) => r.text());
    expect(metrics).toMatch(/ctp_sync_refused_records\{[^}]*source="\/ctp\/hubs\/afr"[^}]*\} 1/);

    // Fixed at the hub (a new version with the dates in order): applied, and no longer refused.
    const fixed = await call(
      hub.baseUrl,
      'PUT',
      `/initiatives/${BAD}`,
      initiativeBody({ dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' } }),
      { 'If-Match': '"1"' },
    );
    expect(fixed.status).toBe(200);
    await waitFor('the fixed version applied and nothing counted as refused', async () => {
      const s = await afr();
      const refused = (s as unknown as { refused?: RefusedView })?.refused;
      return s?.records === 3 && refused?.count === 0 && s.reconciliation?.matched === true;
    });
  });
});
