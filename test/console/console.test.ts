import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { DevOidcServer, startDevOidc } from '../../scripts/dev-oidc';
import { as, bearer, testIssuer } from '../support/auth';
import { launchChromium, screenshot, seriousA11yViolations } from '../support/browser';
import { TestDatabase } from '../support/databases';
import { freePort } from '../support/nats-server';
import { PlatformUnderTest } from '../support/platform-under-test';
import { ROOT, ServiceProcess, waitFor } from '../support/services';

/*
 * The analysts' console (issue #16) in a real browser — Debian's chromium driven by playwright-core — against the real
 * system: a platform serving the built console (dist/console), two hubs (eur, mde) on the platform's nats-server, and
 * the development OpenID Connect provider (scripts/dev-oidc.ts) signing with the tests' issuer. Records are reported
 * through the hubs' own API, so the platform learns them over NATS as in production and the hubs' digests keep the
 * sources in sync. Each page is checked with axe-core (no serious or critical violation) and saved as a screenshot
 * under .tmp/console-screenshots/ (docs/console.md shows four of them).
 */

// The page functions below run in the browser: the project's tsconfig has no DOM library, so say what they use.
declare const document: { querySelector(selector: string): { textContent: string | null } | null };
declare function getComputedStyle(element: unknown): { direction: string };

interface Seed {
  region: 'eur' | 'mde';
  localId: string;
  kind: string;
  stream: string;
  title: { lang: string; text: string };
  titleAlt?: { lang: string; text: string }[];
  countries: string[];
  dates: { plannedStart: string; plannedEnd: string };
  restricted?: boolean;
}

const SEEDS: Seed[] = [
  // A DUPLICATE pair: one activity reported by both hubs, the French title at eur, English (and Arabic) at mde.
  {
    region: 'eur',
    localId: 'doc-fraud',
    kind: 'TRN',
    stream: 'TRAVEL_MOBILITY',
    title: { lang: 'fr', text: 'Formation à la détection des documents de voyage frauduleux' },
    titleAlt: [{ lang: 'en', text: 'Training on the detection of fraudulent travel documents' }],
    countries: ['JO'],
    dates: { plannedStart: '2027-05-10', plannedEnd: '2027-05-14' },
  },
  {
    region: 'mde',
    localId: 'doc-fraud',
    kind: 'TRN',
    stream: 'TRAVEL_MOBILITY',
    title: { lang: 'en', text: 'Training on the detection of fraudulent travel documents' },
    titleAlt: [{ lang: 'ar', text: 'تدريب على كشف وثائق السفر المزورة' }],
    countries: ['JO'],
    dates: { plannedStart: '2027-05-10', plannedEnd: '2027-05-14' },
  },
  // An OVERLAP pair (score about 0.64): related trainings in the same country two weeks apart.
  {
    region: 'eur',
    localId: 'biometrics',
    kind: 'TRN',
    stream: 'IDENTIFICATION',
    title: { lang: 'en', text: 'Workshop on biometric screening at border crossings' },
    countries: ['LB'],
    dates: { plannedStart: '2027-09-01', plannedEnd: '2027-09-03' },
  },
  {
    region: 'mde',
    localId: 'biometrics',
    kind: 'TRN',
    stream: 'IDENTIFICATION',
    title: { lang: 'en', text: 'Course on fingerprint identification for border police' },
    countries: ['LB'],
    dates: { plannedStart: '2027-09-15', plannedEnd: '2027-09-19' },
  },
  // An Arabic title.
  {
    region: 'mde',
    localId: 'prisons',
    kind: 'PRJ',
    stream: 'IDENTIFICATION',
    title: { lang: 'ar', text: 'برنامج لمنع التطرف العنيف في السجون' },
    titleAlt: [{ lang: 'en', text: 'Programme to prevent violent extremism in prisons' }],
    countries: ['EG'],
    dates: { plannedStart: '2027-02-01', plannedEnd: '2027-12-15' },
  },
  // A restricted record, and the shareable record it pairs with.
  {
    region: 'eur',
    localId: 'networks',
    kind: 'MTG',
    stream: 'FINANCING',
    title: { lang: 'fr', text: 'Séminaire sur la détection des réseaux de financement' },
    countries: ['JO'],
    dates: { plannedStart: '2027-11-03', plannedEnd: '2027-11-05' },
  },
  {
    region: 'mde',
    localId: 'secret',
    kind: 'MTG',
    stream: 'FINANCING',
    title: { lang: 'fr', text: 'Séminaire confidentiel sur la détection des réseaux de financement' },
    countries: ['JO'],
    dates: { plannedStart: '2027-11-03', plannedEnd: '2027-11-05' },
    restricted: true,
  },
  // One more on its own.
  {
    region: 'eur',
    localId: 'online',
    kind: 'MTG',
    stream: 'ONLINE_PRESENCE',
    title: { lang: 'en', text: 'Regional meeting on terrorist content online' },
    countries: ['FR', 'BE'],
    dates: { plannedStart: '2027-04-20', plannedEnd: '2027-04-21' },
  },
];

const idOf = (s: Pick<Seed, 'region' | 'localId'>) => `IP-HUB-${s.region.toUpperCase()}-${s.localId}`;
const seed = (region: Seed['region'], localId: string) =>
  SEEDS.find((s) => s.region === region && s.localId === localId)!;
const RESTRICTED = seed('mde', 'secret');

interface PairView {
  id: string;
  aId: string;
  bId: string;
  classification: string | null;
  effective: string | null;
  decision: string | null;
}

interface RollupBody {
  rows: { region: string; primaryActionStream: string; reported: number; deduplicated: number }[];
  totals: { reported: number; deduplicated: number };
}

describe('the console in a real browser', () => {
  const hubs = {
    eur: { db: TestDatabase.fresh('console_hub_eur') } as { db: TestDatabase; process: ServiceProcess },
    mde: { db: TestDatabase.fresh('console_hub_mde') } as { db: TestDatabase; process: ServiceProcess },
  };
  let platform: PlatformUnderTest;
  let provider: DevOidcServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Uncaught errors and CSP refusals in any page: none is expected. */
  const pageProblems: string[] = [];
  let consoleUrl: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/console/index.html'))) {
      throw new Error('dist/console/index.html is missing: run `npm run build` (npm test does it for you)');
    }
    // The browser first: without chromium every test fails at once, saying so.
    browser = await launchChromium();
    const platformPort = await freePort();
    const hubPorts = { eur: await freePort(), mde: await freePort() };
    consoleUrl = `http://127.0.0.1:${platformPort}/console/`;
    provider = await startDevOidc({
      development: true,
      devIssuer: await testIssuer(),
      port: await freePort(),
      redirects: [consoleUrl],
    });
    platform = new PlatformUnderTest('console_browser', {
      PORT: String(platformPort),
      CONSOLE_OIDC_AUTHORITY: provider.issuer,
      CONSOLE_ENVIRONMENT: 'development',
      CONSOLE_SERVICES: JSON.stringify(
        (['eur', 'mde'] as const).map((r) => ({ name: `hub-${r}`, url: `http://127.0.0.1:${hubPorts[r]}` })),
      ),
      CONSOLE_STREAM_POLL_MS: '200',
      ROLLUP_DEBOUNCE_MS: '200',
    });
    await platform.start();
    for (const region of ['eur', 'mde'] as const) {
      hubs[region].process = new ServiceProcess(
        'hub',
        {
          HUB_REGION: region,
          PORT: String(hubPorts[region]),
          NATS_URL: platform.nats.url,
          DATABASE_URL: hubs[region].db.url,
          RECONCILE_INTERVAL_MS: '300',
          RECONCILE_HEARTBEAT_MS: '1000',
        },
        `hub-${region}`,
      );
    }
    await Promise.all(Object.values(hubs).map((h) => h.process.start()));

    // Reported through each hub's API, as the hub's own system.
    for (const s of SEEDS) {
      const res = await fetch(`${hubs[s.region].process.baseUrl}/initiatives`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await as.hub(s.region)) },
        body: JSON.stringify({
          localId: s.localId,
          kind: s.kind,
          title: s.title,
          ...(s.titleAlt ? { titleAlt: s.titleAlt } : {}),
          actionStreams: { primary: s.stream, secondary: [] },
          status: 'PIPELINE',
          dates: s.dates,
          scope: s.countries.length > 1 ? 'REGIONAL' : 'NATIONAL',
          recipientCountries: s.countries,
          visibility: s.restricted ? 'INTERPOL_RESTRICTED' : 'PARTNER_SHAREABLE',
        }),
      });
      if (res.status !== 201) throw new Error(`seeding ${idOf(s)}: ${res.status} ${await res.text()}`);
    }
    for (const s of SEEDS) {
      await waitFor(`${idOf(s)} on the platform`, async () => {
        const r = await fetch(`${platform.baseUrl}/initiatives/${idOf(s)}`, { headers: await as.analyst() });
        return r.status === 200;
      });
    }
    await waitFor(
      'duplicate detection caught up',
      async () => (await platform.get<{ queued: number }>('/overlaps/detection')).queued === 0,
    );
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await Promise.all(Object.values(hubs).map((h) => h.process?.stop()));
    await platform?.stop();
    await provider?.close();
    await Promise.all(Object.values(hubs).map((h) => h.db.drop()));
  });

  afterEach(() => {
    const seen = pageProblems.splice(0);
    expect(seen).toEqual([]);
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => pageProblems.push(`page error at ${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) {
        pageProblems.push(`CSP at ${page.url()}: ${msg.text()}`);
      }
    });
    return page;
  }

  async function expectAccessible(page: Page, what: string): Promise<void> {
    const violations = await seriousA11yViolations(page);
    expect({ page: what, violations }).toEqual({ page: what, violations: [] });
  }

  /** Goes to a page of the console (a hash route) and waits for its heading. */
  async function open(page: Page, hash: string, heading: string | RegExp): Promise<void> {
    await page.goto(`${consoleUrl}${hash}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /**
   * Signs in as the browser does: the console's "Sign in" starts the code flow, the provider's form is filled in and
   * sent, the console exchanges the code (with its PKCE verifier) and shows who signed in.
   */
  async function signIn(
    page: Page,
    profile: string,
    name: string,
    onForm?: (page: Page) => Promise<void>,
  ): Promise<{ authorize: URL; token: Request }> {
    await page.goto(`${consoleUrl}#/rollups`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${provider.issuer}/authorize`));
    const authorize = new URL(page.url());
    await page.getByRole('heading', { name: 'Sign in to the CTP console' }).waitFor();
    if (onForm) await onForm(page);
    await page.locator(`#profile-${profile}`).check();
    await page.locator('#name').fill(name);
    const token = page.waitForRequest((r) => r.url() === `${provider.issuer}/token` && r.method() === 'POST');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const tokenRequest = await token;
    await page.getByTestId('user').filter({ hasText: name }).waitFor();
    return { authorize, token: tokenRequest };
  }

  async function pairs(headers: Record<string, string>): Promise<PairView[]> {
    const res = await fetch(`${platform.baseUrl}/overlaps?limit=500`, { headers });
    return ((await res.json()) as { items: PairView[] }).items;
  }

  function pairOf(all: PairView[], a: string, b: string): PairView {
    const p = all.find((x) => [x.aId, x.bId].sort().join() === [a, b].sort().join());
    if (!p) throw new Error(`no pair ${a} / ${b} among ${JSON.stringify(all)}`);
    return p;
  }

  describe('as an analyst who may read every record and decide', () => {
    let page: Page;

    it("signs in through the development provider's form: authorization code with PKCE S256", async () => {
      page = await newPage();
      await page.goto(`${consoleUrl}#/rollups`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await expectAccessible(page, 'the console signed out');
      const { authorize, token } = await signIn(page, 'analyst', 'Ada Analyst', async (form) => {
        await screenshot(form, 'sign-in');
        await expectAccessible(form, 'the provider’s sign-in form');
      });
      expect(authorize.searchParams.get('response_type')).toBe('code');
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(authorize.searchParams.get('redirect_uri')).toBe(consoleUrl);
      const form = new URLSearchParams(token.postData() ?? '');
      expect(form.get('grant_type')).toBe('authorization_code');
      expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
      // Back on the console, with the code and state gone from the address bar.
      expect(page.url()).toBe(`${consoleUrl}#/rollups`);
      await expect(page.getByTestId('user').textContent()).resolves.toContain('IP-GS-CTP');
    });

    it('shows the seeded counts in the rollup chart and the table, as GET /rollups gives them', async () => {
      await open(page, '#/rollups', 'Rollups');
      await page.getByTestId('rollup-chart').waitFor();
      const api = (await (
        await fetch(`${platform.baseUrl}/rollups?groupBy=region,primaryActionStream`, { headers: await as.analyst() })
      ).json()) as RollupBody;
      // What was seeded: one record per hub and stream, two for mde's identification stream.
      const expected = new Map<string, number>();
      for (const s of SEEDS) {
        const key = `${s.region.toUpperCase()} ${s.stream}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
      const fromApi = new Map(api.rows.map((r) => [`${r.region} ${r.primaryActionStream}`, r]));
      expect(new Map([...fromApi].map(([k, r]) => [k, r.reported]))).toEqual(expected);
      expect(api.totals.reported).toBe(SEEDS.length);
      // Two DUPLICATE pairs (doc-fraud at both hubs; the restricted seminar and its shareable twin): each counted once.
      expect(api.totals.deduplicated).toBe(SEEDS.length - 2);

      const shown = await page
        .getByTestId('rollup-table')
        .locator('tbody tr')
        .evaluateAll((rows) =>
          rows.map((r) => {
            const row = r as unknown as {
              dataset: Record<string, string>;
              querySelector(s: string): { textContent: string } | null;
            };
            return {
              key: `${row.dataset.region} ${row.dataset.stream}`,
              reported: Number(row.querySelector('[data-col=reported]')?.textContent),
              deduplicated: Number(row.querySelector('[data-col=deduplicated]')?.textContent),
            };
          }),
        );
      expect(shown.map((c) => c.key).sort()).toEqual([...expected.keys()].sort());
      for (const c of shown) {
        expect(c).toEqual({
          key: c.key,
          reported: fromApi.get(c.key)!.reported,
          deduplicated: fromApi.get(c.key)!.deduplicated,
        });
      }
      // The chart: two bars per region and stream (reported, deduplicated), in the table's order.
      const bars = await page
        .getByTestId('rollup-chart')
        .locator('g[data-series]')
        .evaluateAll((gs) =>
          gs.map((g) => {
            const d = (g as unknown as { dataset: Record<string, string> }).dataset;
            return `${d.series}=${d.value}`;
          }),
        );
      expect(bars).toEqual(shown.flatMap((c) => [`Reported=${c.reported}`, `Deduplicated=${c.deduplicated}`]));
      await expect(page.getByTestId('total-reported').textContent()).resolves.toBe(String(SEEDS.length));
      await expect(page.getByTestId('total-deduplicated').textContent()).resolves.toBe(String(api.totals.deduplicated));
      await screenshot(page, 'rollups');
      await expectAccessible(page, 'rollups');
    });

    it('finds a record by its French title typed without accents, and shows its record page', async () => {
      await open(page, '#/registry', 'Registry');
      await page.getByTestId('registry-table').waitFor();
      await expectAccessible(page, 'registry');
      await page
        .getByLabel('Search titles (any language) and code names')
        .fill('formation a la detection des documents');
      await page.getByRole('button', { name: 'Search' }).click();
      const eur = idOf(seed('eur', 'doc-fraud'));
      const table = page.getByTestId('registry-table');
      // The count line says the search is applied (the unfiltered table showed the record too).
      await page
        .getByTestId('registry-count')
        .filter({ hasText: /^1 record on this page, filtered by q formation a la detection des documents\.$/ })
        .waitFor();
      await expect(table.locator('tbody tr').count()).resolves.toBe(1);
      await expect(table.locator('tbody tr').first().textContent()).resolves.toContain(
        'Formation à la détection des documents de voyage frauduleux',
      );
      await screenshot(page, 'registry');

      await table.getByRole('link', { name: eur }).click();
      await page.getByRole('heading', { level: 1, name: `Record ${eur}` }).waitFor();
      // Its cluster: the mde hub's report of the same training, the canonical record marked.
      await page
        .getByTestId('cluster-members')
        .getByText(idOf(seed('mde', 'doc-fraud')))
        .waitFor();
      await screenshot(page, 'record');
      await expectAccessible(page, 'a record');
    });

    it('renders an Arabic title right to left', async () => {
      const id = idOf(seed('mde', 'prisons'));
      await open(page, `#/registry/${id}`, `Record ${id}`);
      const title = page.locator('.record-title [lang=ar]');
      await expect(title.textContent()).resolves.toBe(seed('mde', 'prisons').title.text);
      await expect(title.evaluate((el) => getComputedStyle(el).direction)).resolves.toBe('rtl');
      // And the English translation beside it stays left to right.
      await expect(
        page
          .locator('span[lang=en]', { hasText: 'Programme to prevent' })
          .evaluate((el) => getComputedStyle(el).direction),
      ).resolves.toBe('ltr');
    });

    it('decides a pair with the keyboard (c): the deduplicated count changes on screen and in GET /rollups', async () => {
      const analyst = await as.analyst();
      const overlap = pairOf(await pairs(analyst), idOf(seed('eur', 'biometrics')), idOf(seed('mde', 'biometrics')));
      expect(overlap).toMatchObject({ classification: 'OVERLAP', decision: null });
      const duplicate = pairOf(await pairs(analyst), idOf(seed('eur', 'doc-fraud')), idOf(seed('mde', 'doc-fraud')));
      expect(duplicate).toMatchObject({ classification: 'DUPLICATE', decision: null });

      await open(page, '#/review', 'Review queue');
      const queue = page.locator('.queue-list');
      await queue.getByText(`pair ${overlap.id}`, { exact: true }).waitFor();
      await queue.getByText(`pair ${duplicate.id}`, { exact: true }).waitFor();
      const total = page.getByTestId('dedup-total');
      await page.waitForFunction(() =>
        /^\d+$/.test(document.querySelector('[data-testid=dedup-total]')?.textContent ?? ''),
      );
      const before = Number(await total.textContent());
      const rollupsBefore = (await (
        await fetch(`${platform.baseUrl}/rollups`, { headers: analyst })
      ).json()) as RollupBody;
      expect(rollupsBefore.totals.deduplicated).toBe(before);
      // The duplicate side by side, the mde record's Arabic translation right to left there too.
      await queue.getByRole('button', { name: new RegExp(`pair ${duplicate.id}\\b`) }).click();
      await page.getByRole('heading', { level: 2, name: new RegExp(`^Pair ${duplicate.id}:`) }).waitFor();
      const arabic = page.locator('.record-card .record-title-alt [lang=ar]');
      await expect(arabic.textContent()).resolves.toBe(seed('mde', 'doc-fraud').titleAlt![0].text);
      await expect(arabic.evaluate((el) => getComputedStyle(el).direction)).resolves.toBe('rtl');
      // Why they matched: the glossary terms of each side in their own language, the Arabic ones right to left.
      const terms = await page.locator('table.terms td span[dir]').evaluateAll((spans) =>
        spans.map((el) => {
          const span = el as unknown as { textContent: string; lang: string };
          return { text: span.textContent, lang: span.lang, dir: getComputedStyle(el).direction };
        }),
      );
      const arabicTerms = terms.filter((t) => /[\u0600-\u06FF]/.test(t.text));
      expect(arabicTerms.length).toBeGreaterThan(0);
      expect(arabicTerms.filter((t) => t.lang !== 'ar' || t.dir !== 'rtl')).toEqual([]);
      expect(terms.filter((t) => !/[\u0600-\u06FF]/.test(t.text) && t.dir !== 'ltr')).toEqual([]);
      await screenshot(page, 'review');
      await expectAccessible(page, 'review queue');

      await queue.getByRole('button', { name: new RegExp(`pair ${overlap.id}\\b`) }).click();
      await page.getByRole('heading', { level: 2, name: new RegExp(`^Pair ${overlap.id}:`) }).waitFor();
      await page.keyboard.press('c');
      await page
        .getByTestId('decision-status')
        .filter({ hasText: `Pair ${overlap.id} confirmed` })
        .waitFor();
      // Confirmed: the two trainings are one activity, counted once.
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid=dedup-total]')?.textContent === String(n),
        before - 1,
      );
      const after = (await (await fetch(`${platform.baseUrl}/rollups`, { headers: analyst })).json()) as RollupBody;
      expect(after.totals.deduplicated).toBe(before - 1);
      const decided = pairOf(await pairs(analyst), overlap.aId, overlap.bId);
      expect(decided).toMatchObject({ decision: 'CONFIRMED', effective: 'DUPLICATE' });
      await expect(queue.getByText(`pair ${overlap.id}`, { exact: true }).count()).resolves.toBe(0);
    });
  });

  describe('as an analyst who may read shareable records only', () => {
    const secretId = idOf(RESTRICTED);

    it('never shows the restricted record: not in the registry, not in the review queue, not at its own address', async () => {
      // It is there, for whoever may read it.
      const all = await fetch(`${platform.baseUrl}/initiatives/${secretId}`, { headers: await as.analyst() });
      expect(all.status).toBe(200);
      const restrictedPair = pairOf(await pairs(await as.analyst()), idOf(seed('eur', 'networks')), secretId);

      const page = await newPage();
      await signIn(page, 'analyst-shareable', 'Sam Shareable');
      const reader = await bearer('IP-GS-CTP', 'registry:read');
      expect(await pairs(reader)).not.toContainEqual(expect.objectContaining({ id: restrictedPair.id }));

      await open(page, '#/registry', 'Registry');
      const table = page.getByTestId('registry-table');
      await page
        .getByTestId('registry-count')
        .filter({ hasText: `${SEEDS.length - 1} records on this page.` })
        .waitFor();
      await expect(table.locator('tbody tr').count()).resolves.toBe(SEEDS.length - 1);
      await table.getByRole('link', { name: idOf(seed('eur', 'networks')) }).waitFor();
      await expect(page.locator('main').textContent()).resolves.not.toContain(secretId);

      await page.getByLabel('Search titles (any language) and code names').fill('seminaire confidentiel');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByTestId('registry-count').filter({ hasText: 'No record matches' }).waitFor();

      await open(page, '#/review', 'Review queue');
      await page.getByRole('heading', { level: 2, name: /^Awaiting a decision \(\d+\)/ }).waitFor();
      await page.locator('.queue-list').waitFor();
      const queueText = (await page.locator('main').textContent()) ?? '';
      expect(queueText).not.toContain(secretId);
      expect(queueText).not.toContain(`pair ${restrictedPair.id}`);
      expect(queueText).not.toContain(RESTRICTED.title.text);
      // No decision buttons without overlaps:decide.
      await expect(page.getByRole('button', { name: /^Confirm/ }).count()).resolves.toBe(0);

      await open(page, `#/registry/${secretId}`, `Record ${secretId}`);
      // Answered as for a record that does not exist: not even its existence is told.
      await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
      const recordText = (await page.locator('main').textContent()) ?? '';
      expect(recordText).not.toContain(RESTRICTED.title.text);
      expect(recordText).not.toContain('INTERPOL restricted');
      await screenshot(page, 'record-hidden');
    });
  });

  describe('operations', () => {
    it('turns red when a hub stops and green again once it is back', async () => {
      const page = await newPage();
      await signIn(page, 'operator', 'Olu Operator');
      await open(page, '#/operations', 'Operations');
      // An operator (ops:read only) may not read the live-update stream: said once, not retried every few seconds.
      await page.locator('.live-status[data-status=forbidden]').waitFor();
      const overall = page.getByTestId('ops-overall');
      const hubRow = page.locator('[data-testid=ops-services] tr[data-service=hub-mde]');
      await page.locator('[data-testid=ops-overall][data-status=green]').waitFor({ timeout: 60_000 });
      await expect(hubRow.getAttribute('data-status')).resolves.toBe('green');
      await screenshot(page, 'operations');
      await expectAccessible(page, 'operations');

      await hubs.mde.process.stop();
      await page.locator('[data-testid=ops-overall][data-status=red]').waitFor({ timeout: 30_000 });
      await expect(hubRow.getAttribute('data-status')).resolves.toBe('red');
      await expect(hubRow.textContent()).resolves.toMatch(/unreachable/);
      await screenshot(page, 'operations-red');
      await expectAccessible(page, 'operations (red)');

      await hubs.mde.process.start();
      await page.locator('[data-testid=ops-overall][data-status=green]').waitFor({ timeout: 60_000 });
      await expect(hubRow.getAttribute('data-status')).resolves.toBe('green');
      await expect(overall.textContent()).resolves.toContain('Green');
    });
  });
});
