import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { SHIPPED_MODEL } from '../../apps/platform/src/overlaps/domain/matching-model.shipped';
import { refit, RefitResult } from '../../scripts/matching-refit';
import { as } from '../support/auth';
import { eventFor, snapshotOf } from '../support/events';
import { PlatformUnderTest } from '../support/platform-under-test';
import { ROOT, waitFor } from '../support/services';

interface PairView {
  id: string;
  aId: string;
  bId: string;
  classification: string | null;
  effective: string | null;
  rule: string;
  signals: { model?: string } | null;
  decision: string | null;
}

interface ModelView {
  version: string;
  weights: Record<string, number>;
  intercept: number;
  thresholds: { duplicate: number; overlap: number };
  fittedOn: string;
  source: 'shipped' | 'applied';
  appliedAt?: string;
  appliedBy?: string;
  note?: string;
}

/** The same training reported by a hub and by a partner: a pair whatever the weights. */
function samePair(hub: string, localId: string, over: Partial<InitiativeSnapshot>) {
  const common: Partial<InitiativeSnapshot> = { kind: 'TRN', scope: 'REGIONAL', ...over };
  return { a: snapshotOf(hub, localId, common), b: snapshotOf('PT-UNODC', localId, common) };
}

/**
 * Learning from analysts (#15 point 4): decisions recorded through the API, the refit read from the platform's
 * database (a dry run writes nothing), applied, then served by GET /overlaps/model and used by the next detection run.
 */
describe('matching:refit against a running platform', () => {
  const p = new PlatformUnderTest('refit', { MATCHING_MODEL_REFRESH_MS: '300' });
  const output: string[] = [];
  const print = (text: string) => void output.push(text);

  const first = samePair('IP-HUB-EUR', 'refit-a', {
    title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
    dates: { plannedStart: '2027-09-06', plannedEnd: '2027-09-10' },
    recipientCountries: ['FR', 'BE'],
  });
  const second = samePair('IP-HUB-AFR', 'refit-b', {
    title: { lang: 'en', text: 'Workshop on document fraud at land borders' },
    actionStreams: { primary: 'IDENTIFICATION', secondary: [] },
    dates: { plannedStart: '2027-11-02', plannedEnd: '2027-11-05' },
    recipientCountries: ['KE', 'UG'],
  });
  let pairA: PairView;
  let pairB: PairView;

  beforeAll(() => p.start());
  afterAll(() => p.stop());

  const pairOf = async (aId: string, bId: string) =>
    (await p.get<{ items: PairView[] }>(`/overlaps?initiativeId=${encodeURIComponent(aId)}&limit=500`)).items.find(
      (x) => [x.aId, x.bId].sort().join() === [aId, bId].sort().join(),
    );
  const decide = async (id: string, decision: string) => {
    const res = await fetch(`${p.baseUrl}/overlaps/${id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await as.analyst()) },
      body: JSON.stringify({ decision, note: 'matching refit test' }),
    });
    expect(res.status).toBe(200);
  };
  const pairsDigest = async () =>
    (
      await p.db.query<{ h: string }>(
        `SELECT md5(coalesce(string_agg(row_to_json(o)::text, ',' ORDER BY id), '')) AS h FROM overlap_pairs o`,
      )
    )[0].h;
  const storedModels = async () =>
    (await p.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM matching_models`))[0].n;

  it('serves the shipped model before any is applied', async () => {
    const model = await p.get<ModelView>('/overlaps/model');
    expect(model).toEqual({
      version: SHIPPED_MODEL.version,
      weights: SHIPPED_MODEL.weights,
      intercept: SHIPPED_MODEL.intercept,
      overlap: SHIPPED_MODEL.overlap,
      thresholds: SHIPPED_MODEL.thresholds,
      fittedOn: SHIPPED_MODEL.fittedOn,
      source: 'shipped',
    });
    // Documented, with the same access rule as GET /overlaps (the security matrix reads it from here).
    const doc = (await p.get<{ paths: Record<string, Record<string, Record<string, unknown>>> }>('/docs-json')).paths;
    expect(doc['/overlaps/model'].get['x-ctp-access']).toEqual(doc['/overlaps'].get['x-ctp-access']);
    expect(doc['/overlaps/model'].get.responses).toHaveProperty('200');
  });

  it('takes two decisions, one of them on a pair whose record is then withdrawn', async () => {
    await p.decided([first.a, first.b, second.a, second.b].map((s) => eventFor(s)));
    pairA = (await pairOf(first.a.initiativeId, first.b.initiativeId))!;
    pairB = (await pairOf(second.a.initiativeId, second.b.initiativeId))!;
    expect(pairA).toMatchObject({ rule: 'SCORED' });
    expect(pairA.effective).not.toBeNull();
    expect(pairA.signals?.model).toBe(SHIPPED_MODEL.version);
    expect(pairB.effective).not.toBeNull();
    await decide(pairA.id, 'REJECTED');
    await decide(pairB.id, 'CONFIRMED');
    const b = second.b;
    await p.decided([
      eventFor(
        { ...b, version: 2, withdrawal: { reason: 'reported in error', withdrawnAt: b.lastUpdatedAt } },
        InitiativeEventType.Withdrawn,
      ),
    ]);
  });

  let dry: RefitResult;

  it('proposes a model from the labelled set and the decisions, and a dry run writes nothing', async () => {
    const before = await pairsDigest();
    dry = await refit({ databaseUrl: p.db.url, print });
    expect(await storedModels()).toBe(0);
    expect(await pairsDigest()).toBe(before);
    expect(dry.applied).toBeUndefined();
    expect(dry.current).toEqual({ model: SHIPPED_MODEL, source: 'shipped' });
    expect(dry.decisions).toEqual({ decided: 2, used: 1, withdrawn: 1, gone: 0, unknown: 0 });
    expect(dry.samples.decisions).toBe(1);
    expect(dry.samples.calibration).toBeGreaterThan(50);
    expect(dry.proposed.version).toMatch(/^refit-\d{4}-\d\d-\d\dT/);
    expect(dry.proposed.fittedOn).toMatch(/labelled pairs .* \+ 1 analysts' decisions \(1 scored/);
    // Pair A (both records live) is re-scored; pair B has a withdrawn record.
    expect(dry.rescored).toBe(1);
    const text = output.join('\n');
    expect(text).toMatch(/dry run \(the default\)/);
    expect(text).toMatch(/2 recorded, 1 used; skipped 1 with a withdrawn record, 0 with a record no longer/);
    expect(text).toMatch(/Quality on the held-out part of the labelled set/);
    expect(text).toMatch(/Quality on the analysts' decisions/);
    expect(text).toMatch(/What would change\n1 stored pairs with both records live/);
    expect(text).toMatch(/Nothing written \(dry run\)/);
    // Another call: the model in use is still the shipped one.
    expect((await p.get<ModelView>('/overlaps/model')).source).toBe('shipped');
  });

  it('applies the proposed model: stored, served by GET /overlaps/model, used by the next detection run', async () => {
    output.length = 0;
    const now = new Date();
    const applied = await refit({
      databaseUrl: p.db.url,
      print,
      now,
      apply: { by: 'analyst-jane', note: 'integration test' },
    });
    const version = `refit-${now.toISOString()}`;
    expect(applied.proposed.version).toBe(version);
    expect(applied.applied).toMatchObject({ version, appliedBy: 'analyst-jane', note: 'integration test' });
    expect(await storedModels()).toBe(1);
    expect(output.join('\n')).toMatch(/Pairs already stored keep their verdicts until one of their records changes/);

    const served = await waitFor('GET /overlaps/model shows the applied model', async () => {
      const m = await p.get<ModelView>('/overlaps/model');
      return m.version === version ? m : undefined;
    });
    expect(served).toEqual({
      version,
      weights: applied.proposed.weights,
      intercept: applied.proposed.intercept,
      overlap: applied.proposed.overlap,
      thresholds: applied.proposed.thresholds,
      fittedOn: applied.proposed.fittedOn,
      source: 'applied',
      appliedAt: applied.applied!.appliedAt,
      appliedBy: 'analyst-jane',
      note: 'integration test',
    });

    // The pair stored before keeps the shipped model's verdict until one of its records changes.
    expect((await p.get<PairView>(`/overlaps/${pairA.id}`)).signals?.model).toBe(SHIPPED_MODEL.version);
    // The consumer thread reads matching_models on its own (every 300 ms here): give it a few periods.
    await new Promise((r) => setTimeout(r, 1500));
    const a = first.a;
    await p.decided([
      eventFor({
        ...a,
        version: 2,
        lastUpdatedAt: new Date().toISOString(),
        dates: { plannedStart: '2027-09-07', plannedEnd: '2027-09-10' },
      }),
    ]);
    const rescored = await p.get<PairView>(`/overlaps/${pairA.id}`);
    expect(rescored).toMatchObject({ rule: 'SCORED', decision: 'REJECTED', effective: null });
    expect(rescored.signals?.model).toBe(version);
  });

  it('replays with the applied model in a rebuild', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'dist/scripts/platform-rebuild.js'), '--database', `${p.db.name}_rb`],
      {
        env: { PATH: process.env.PATH ?? '', NATS_URL: p.nats.url, DATABASE_URL: p.db.url },
        timeout: 120_000,
      },
    );
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; matchingModel?: string });
    expect(lines.find((l) => l.msg === 'rebuild started')?.matchingModel).toMatch(/^refit-/);
    expect(lines.map((l) => l.msg)).toContain('rebuild matches the live read model');
  });
});
