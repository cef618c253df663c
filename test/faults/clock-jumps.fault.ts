import { hubOrgRef } from '@ctp/contracts';
import { as } from '../support/auth';
import { initiativeBody } from '../support/hub-fixtures';
import { FakeClock } from './support/fake-clock';
import { HubLoad, sleep } from './support/load';
import { FaultRig, printSummary } from './support/rig';

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * A hub whose wall clock jumps (libfaketime preloaded into hub `afr`; the monotonic clock, its timers, untouched): in
 * the middle of the load it runs 4 minutes ahead (within the 5 minutes a `lastUpdatedAt` may be ahead of a consumer's
 * clock), then 2 hours behind, then 4 minutes ahead and a day behind, then right again. The versions it stamps go
 * back in time while their numbers go up. The platform must apply them by version, in stream order, whatever they
 * say of the time. Then a probe: ahead by 30 minutes, beyond the allowance, the hub still accepts the change (it judges
 * at its own report time) and the platform refuses that version (ACTUAL_DATE_IN_FUTURE); with the clock right again the
 * hub accepts the next change and the platform applies it: a wrong clock strands no hub.
 */
describe('fault clock-jumps', () => {
  let rig: FaultRig;
  let clock: FakeClock;

  beforeAll(async () => {
    clock = FakeClock.create();
    rig = await FaultRig.create({ name: 'clock-jumps' });
    Object.assign(rig.hub('afr').proc.env, clock.env());
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
    clock?.destroy();
  }, 60_000);

  it('orders by versions and stream sequences, never by the hub clock, and keeps a hub with a wrong clock working', async () => {
    const afr = rig.hub('afr');

    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      {
        prefix: 'cj',
        initiatives: 120,
        updates: 2,
        withdrawEvery: 10,
        concurrency: 4,
        deadlineMs: 60_000,
        pauseMs: 10,
      },
    );
    await rig.poison();
    const running = load.run();
    const jumps: { at: number; offsets: number[] }[] = [
      { at: 0.15, offsets: [4 * MIN] },
      { at: 0.3, offsets: [-2 * HOUR] },
      { at: 0.45, offsets: [4 * MIN, -24 * HOUR] },
      { at: 0.6, offsets: [0] },
    ];
    const seen: string[] = [];
    // One initiative of afr's own, changed once at each offset whatever the load's progress (afr's share of the load may
    // be done before the first jump on a quick machine): its versions go back in time while their numbers go up.
    const stampBody = (n: number) =>
      initiativeBody({ title: { lang: 'en', text: `Clock stamp ${n}` }, titleAlt: [], recipientCountries: ['KE'] });
    const stampId = `${hubOrgRef('afr')}-cj-stamp`;
    const created = await call(afr.proc.baseUrl, 'POST', '/initiatives', { localId: 'cj-stamp', ...stampBody(0) });
    expect(created.status).toBe(201);
    let stampVersion = Number(created.body.version);
    for (const jump of jumps) {
      await load.reachedFraction(jump.at);
      for (const offset of jump.offsets) {
        clock.set(offset);
        await sleep(FakeClock.SETTLE_MS);
        seen.push(`${offset / MIN} min`);
        if (offset !== 0) {
          const stamp = await call(afr.proc.baseUrl, 'PUT', `/initiatives/${stampId}`, stampBody(seen.length), {
            'If-Match': `"${stampVersion}"`,
          });
          expect({ offset, status: stamp.status }).toEqual({ offset, status: 200 });
          stampVersion = Number(stamp.body.version);
          await sleep(1500);
        }
      }
    }
    await running;
    const first = await rig.waitCaughtUp(60_000);
    // What is stuck, if anything: before the relay measured its intervals on the monotonic clock, the hub's rows
    // stayed published but unmarked here (`unsent`) for as long as its clock was behind.
    expect({ caughtUp: FaultRig.caughtUp(first.last), unsent: first.last.unsent }).toEqual({
      caughtUp: true,
      unsent: Object.fromEntries(Object.keys(first.last.unsent).map((k) => [k, 0])),
    });

    // The versions afr stamped went back in time while their numbers went up, and ahead of the real time too...
    const events = await hubEvents(rig, 'afr');
    const byInitiative = new Map<string, HubEvent[]>();
    for (const e of events) byInitiative.set(e.initiativeId, [...(byInitiative.get(e.initiativeId) ?? []), e]);
    const stampedBack: HubEvent[] = [];
    for (const versions of byInitiative.values()) {
      versions.sort((a, b) => a.version - b.version);
      for (let i = 1; i < versions.length; i++) {
        if (Date.parse(versions[i].lastUpdatedAt) < Date.parse(versions[i - 1].lastUpdatedAt)) {
          stampedBack.push(versions[i]);
        }
      }
    }
    const stampedAhead = events.filter((e) => Date.parse(e.lastUpdatedAt) > e.createdAt.getTime() + MIN);
    // The stamp initiative's own: at -2 hours after +4 minutes, and at -24 hours after +4 minutes.
    expect(stampedBack.filter((e) => e.initiativeId === stampId).map((e) => e.version)).toEqual([3, 5]);
    expect(stampedAhead.length).toBeGreaterThan(0);
    // The hub's clock really was where it was set: each offset is in some stamp, against the database's clock (which
    // wrote the outbox row in the same transaction), to the nearest minute.
    const stampOffsets = new Set(
      events.map((e) => Math.round((Date.parse(e.lastUpdatedAt) - e.createdAt.getTime()) / MIN)),
    );
    expect([...new Set(jumps.flatMap((j) => j.offsets))].filter((o) => !stampOffsets.has(o / MIN))).toEqual([]);
    // ...and the platform applied every one of them, in stream order by version, none refused for its time.
    const decided = await rig.platformDb.query<{
      event_id: string;
      outcome: string;
      reason: string | null;
      seq: string;
    }>(`SELECT event_id, outcome, reason, stream_seq AS seq FROM inbox_events WHERE source = $1`, [afr.source]);
    const decision = new Map(decided.map((d) => [d.event_id, d]));
    expect(stampedBack.filter((e) => decision.get(e.eventId)?.outcome !== 'APPLIED').map((e) => e.eventId)).toEqual([]);
    expect(decided.filter((d) => d.outcome === 'REJECTED')).toEqual([]);
    const outOfOrder: string[] = [];
    for (const [id, versions] of byInitiative) {
      const seqs = versions.map((v) => Number(decision.get(v.eventId)?.seq));
      if (seqs.some((s, i) => i > 0 && !(s > seqs[i - 1]))) outOfOrder.push(id);
    }
    expect(outOfOrder).toEqual([]);

    // The probe: a change stamped 30 minutes ahead is accepted by the hub and refused by the platform...
    const probe = `${hubOrgRef('afr')}-cj-probe`;
    const body = (n: number) =>
      initiativeBody({
        title: { lang: 'en', text: `Clock probe ${n}` },
        titleAlt: [],
        recipientCountries: ['KE'],
      });
    expect((await call(afr.proc.baseUrl, 'POST', '/initiatives', { localId: 'cj-probe', ...body(0) })).status).toBe(
      201,
    );
    clock.set(30 * MIN);
    await sleep(FakeClock.SETTLE_MS);
    const ahead = await call(afr.proc.baseUrl, 'PUT', `/initiatives/${probe}`, body(1), { 'If-Match': '"1"' });
    expect({ status: ahead.status, version: ahead.body.version }).toEqual({ status: 200, version: 2 });
    expect(Math.abs(Date.parse(String(ahead.body.lastUpdatedAt)) - (Date.now() + 30 * MIN))).toBeLessThan(MIN);
    const v2 = await decisionOf(rig, afr.source, probe, 2);
    expect({ outcome: v2.outcome, reason: v2.reason }).toEqual({
      outcome: 'REJECTED',
      reason: 'ACTUAL_DATE_IN_FUTURE',
    });
    // ...and once the clock is right again, the hub goes on (no rule holds it to its last, future, stamp) and the
    // platform applies the next version over the one it refused.
    clock.set(0);
    await sleep(FakeClock.SETTLE_MS);
    const right = await call(afr.proc.baseUrl, 'PUT', `/initiatives/${probe}`, body(2), { 'If-Match': '"2"' });
    expect({ status: right.status, version: right.body.version }).toEqual({ status: 200, version: 3 });
    expect(Date.parse(String(right.body.lastUpdatedAt))).toBeLessThan(Date.parse(String(ahead.body.lastUpdatedAt)));
    const v3 = await decisionOf(rig, afr.source, probe, 3);
    expect(v3.outcome).toBe('APPLIED');

    const caughtUp = await rig.waitCaughtUp(60_000);
    // The probe's refused version is the one REJECTED decision; it is not a dead letter.
    const counts = await rig.verify(load, caughtUp);
    printSummary('clock-jumps', { ...counts, caughtUpMs: first.ms + caughtUp.ms });
    console.log(
      `fault clock-jumps: hub afr clock at ${seen.join(', ')}; ${stampedBack.length} versions stamped before the version they follow, ${stampedAhead.length} stamped ahead of the real time, all applied by version`,
    );
  }, 180_000);
});

interface HubEvent {
  eventId: string;
  initiativeId: string;
  version: number;
  lastUpdatedAt: string;
  createdAt: Date;
}

/** A hub's initiative events, from its outbox: the envelope's data is the snapshot (or a withdrawal tombstone). */
async function hubEvents(rig: FaultRig, region: 'afr' | 'eur'): Promise<HubEvent[]> {
  const rows = await rig
    .hub(region)
    .db.query<{ event_id: string; payload: string; created_at: Date }>(
      `SELECT event_id, payload, created_at FROM outbox_events WHERE subject LIKE 'ctp.hub.%' ORDER BY id`,
    );
  const out: HubEvent[] = [];
  for (const r of rows) {
    const data = (JSON.parse(r.payload) as { data?: Record<string, unknown> }).data;
    if (typeof data?.initiativeId !== 'string' || typeof data.version !== 'number') continue;
    out.push({
      eventId: r.event_id,
      initiativeId: data.initiativeId,
      version: data.version,
      lastUpdatedAt: String(data.lastUpdatedAt),
      createdAt: r.created_at,
    });
  }
  return out;
}

/** The platform's decision on version `version` of `initiativeId`, waited for (bounded). */
async function decisionOf(
  rig: FaultRig,
  source: string,
  initiativeId: string,
  version: number,
): Promise<{ outcome: string | null; reason: string | null }> {
  const events = (await hubEvents(rig, 'afr')).filter((e) => e.initiativeId === initiativeId && e.version === version);
  expect(events).toHaveLength(1);
  const deadline = Date.now() + 30_000;
  let last: { outcome: string | null; reason: string | null } = { outcome: null, reason: null };
  while (Date.now() < deadline) {
    const [row] = await rig.platformDb.query<{ outcome: string | null; reason: string | null }>(
      `SELECT outcome, reason FROM inbox_events WHERE source = $1 AND event_id = $2`,
      [source, events[0].eventId],
    );
    if (row?.outcome) return row;
    last = row ?? last;
    await sleep(100);
  }
  return last;
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(await as.hub('afr')), ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
