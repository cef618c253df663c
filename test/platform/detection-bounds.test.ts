import { ISO_COUNTRY_CODES, InitiativeSnapshot } from '@ctp/contracts';
import { as } from '../support/auth';
import { eventFor, snapshotOf } from '../support/events';
import { PlatformUnderTest } from '../support/platform-under-test';
import { waitFor } from '../support/services';

/*
 * Detection is bounded per record whatever its dates and countries (issue #13: one record over 249 countries and
 * thousands of years held the platform's consumer thread for 107 s). A record broad enough to be a candidate of every
 * other one is compared with at most DETECTION_MAX_CANDIDATES of them (20 here) and flagged for an analyst
 * (GET /overlaps/detection, a warn line, ctp_detection_records_capped_total); the records reported with it and after
 * it are applied and compared as usual.
 */
describe('platform detection bounded per record', () => {
  const CAP = 20;
  const p = new PlatformUnderTest('detection_bounds', {
    DETECTION_POLL_MS: '200',
    DETECTION_MAX_CANDIDATES: String(CAP),
  });

  beforeAll(() => p.start());
  afterAll(() => p.stop());

  interface Detection {
    queued: number;
    capped: {
      total: number;
      records: { initiativeId: string; candidates: number; compared: number; cap: number; flaggedAt: string }[];
    };
  }
  const detection = () => p.get<Detection>('/overlaps/detection');
  const pairsOf = async (id: string) =>
    (
      await p.get<{ items: { aId: string; bId: string; effective: string | null }[] }>(
        `/overlaps?initiativeId=${encodeURIComponent(id)}`,
      )
    ).items;
  const registered = async (id: string) =>
    (await fetch(`${p.baseUrl}/initiatives/${encodeURIComponent(id)}`, { headers: await as.analyst() })).status;
  const cappedCounter = async () => {
    const res = await fetch(`${p.baseUrl}/metrics`, { headers: await as.operator() });
    expect(res.status).toBe(200);
    return Number(/^ctp_detection_records_capped_total\{[^}]*\} (\d+)/m.exec(await res.text())?.[1] ?? NaN);
  };
  const now = () => new Date().toISOString();

  // Ten years over every country (valid under the contract's 1990–2099 range and ten-year span).
  const broad = snapshotOf('PT-UNODC', 'everywhere', {
    kind: 'OPS',
    title: { lang: 'en', text: 'Worldwide identification support programme' },
    scope: 'MULTI_REGIONAL',
    recipientCountries: [...ISO_COUNTRY_CODES],
    dates: { plannedStart: '2016-01-01', plannedEnd: '2025-12-31' },
  });
  // Ordinary courses of a hub in that decade, in countries the broad record covers: each a candidate of it.
  const courses = Array.from({ length: 30 }, (_, i) =>
    snapshotOf('IP-HUB-AFR', `course-${i}`, {
      title: { lang: 'en', text: `Course ${i} on ${['passports', 'biometrics', 'watchlists'][i % 3]}` },
      recipientCountries: [['KE', 'UG', 'TZ', 'SN', 'ML'][i % 5]],
      dates: { plannedStart: `202${i % 5}-0${(i % 9) + 1}-10`, plannedEnd: `202${i % 5}-0${(i % 9) + 1}-12` },
    }),
  );
  // A known duplicate: the same course reported by a hub and by a partner.
  const duplicate = (localId: string, start: string, end: string): [InitiativeSnapshot, InitiativeSnapshot] => [
    snapshotOf('IP-HUB-AFR', localId, {
      title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
      recipientCountries: ['SN'],
      dates: { plannedStart: start, plannedEnd: end },
    }),
    snapshotOf('PT-OSCE', localId, {
      title: { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
      recipientCountries: ['SN'],
      dates: { plannedStart: start, plannedEnd: end },
    }),
  ];
  const [hubDup, partnerDup] = duplicate('ftf-1', '2024-03-04', '2024-03-08');

  it('applies and compares the records reported with a very broad one, and finds their duplicate', async () => {
    await p.decided([broad, ...courses, hubDup, partnerDup].map((s) => eventFor(s)));
    for (const s of [broad, ...courses, hubDup, partnerDup]) expect(await registered(s.initiativeId)).toBe(200);
    const pairs = await pairsOf(hubDup.initiativeId);
    expect(pairs.map((x) => [x.aId, x.bId, x.effective])).toContainEqual([
      hubDup.initiativeId,
      partnerDup.initiativeId,
      'DUPLICATE',
    ]);
    // The broad record was compared: with all its candidates if it came in a run before them, else with CAP of them.
    const state = await detection();
    expect(state.queued).toBe(0);
    const flagged = state.capped.records.find((r) => r.initiativeId === broad.initiativeId);
    if (flagged) expect(flagged).toMatchObject({ compared: CAP, cap: CAP });
  });

  it('compares a changed broad record with at most the cap of its candidates and flags it for an analyst', async () => {
    const before = await cappedCounter();
    const retitled = {
      ...broad,
      version: 2,
      lastUpdatedAt: now(),
      title: { lang: 'en' as const, text: 'Worldwide identification and border support programme' },
    };
    await p.decided([eventFor(retitled)]);
    const state = await detection();
    expect(state.capped.total).toBe(1);
    // Candidates: the 30 courses and both sides of the duplicate (another reporter, the same stream, a shared
    // country, within its dates).
    expect(state.capped.records).toEqual([
      expect.objectContaining({ initiativeId: broad.initiativeId, candidates: 32, compared: CAP, cap: CAP }),
    ]);
    expect(await cappedCounter()).toBe(before + 1);
    await waitFor('the capped warn line', async () =>
      p.process
        .logLines()
        .some(
          (l) =>
            l.level === 'warn' &&
            String(l.msg).startsWith('detection capped') &&
            l.initiativeId === broad.initiativeId &&
            l.candidates === 32 &&
            l.cap === CAP,
        ),
    );
    // The duplicate found before is still there.
    expect((await pairsOf(hubDup.initiativeId)).map((x) => x.effective)).toContain('DUPLICATE');
  });

  it('applies and compares records reported after it as usual', async () => {
    const [hub2, partner2] = duplicate('ftf-2', '2025-06-02', '2025-06-06');
    await p.decided([eventFor(hub2), eventFor(partner2)]);
    expect(await registered(hub2.initiativeId)).toBe(200);
    expect((await pairsOf(hub2.initiativeId)).map((x) => [x.aId, x.bId, x.effective])).toContainEqual([
      hub2.initiativeId,
      partner2.initiativeId,
      'DUPLICATE',
    ]);
  });

  it('clears the flag when the record is narrowed to a few candidates', async () => {
    await p.decided([
      eventFor({
        ...broad,
        version: 3,
        lastUpdatedAt: now(),
        scope: 'NATIONAL',
        recipientCountries: ['SN'],
        dates: { plannedStart: '2024-03-01', plannedEnd: '2024-03-31' },
      }),
    ]);
    expect((await detection()).capped).toEqual({ total: 0, records: [] });
  });
});
