import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { as, bearer } from '../support/auth';
import { eventFor, snapshotOf } from '../support/events';
import { freePort } from '../support/nats-server';
import { PlatformUnderTest } from '../support/platform-under-test';
import { waitFor } from '../support/services';

/*
 * The console's side of the platform (issue #16) on a real platform with a fresh database: its files at /console/
 * (no token, their own CSP, 503 until built), its sign-in settings (GET /console/config.json), the live-update stream
 * (GET /console/stream: `pairs` and `rollups` after a decision, `registry` after a new record), the operations
 * summary (GET /console/operations, a service on a closed port red), and the API it needs: `q` text search on GET
 * /initiatives (a French title typed without accents; restricted records still hidden), `sort=score` on GET /overlaps,
 * what GET /overlaps/:id shows of both records. A second platform without CONSOLE_OIDC_AUTHORITY serves no console.
 */
const AUTHORITY = 'http://127.0.0.1:3999';
const HASHED = 'assets/index-Ab3dE6_h.js';

interface PairView {
  id: string;
  aId: string;
  bId: string;
  score: number | null;
  effective: string | null;
  decision: string | null;
  signals: { titleConcepts?: unknown; titleTerms?: unknown } | null;
  records: {
    initiativeId: string;
    reporter: string;
    kind: string;
    status: string;
    title: { lang: string; text: string };
    titleAlt: { lang: string; text: string }[];
    codeName: string | null;
    countries: string[];
    dates: Record<string, string>;
  }[];
}

/** A stream read as the console reads it (fetch, since EventSource cannot send a token): the text so far. */
class StreamReader {
  text = '';
  private readonly abort = new AbortController();
  status = 0;
  headers?: Headers;

  async open(url: string, headers: Record<string, string>): Promise<this> {
    const res = await fetch(url, { headers, signal: this.abort.signal });
    this.status = res.status;
    this.headers = res.headers;
    if (res.status !== 200) {
      this.text = await res.text();
      return this;
    }
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          this.text += decoder.decode(value, { stream: true });
        }
      } catch {
        // aborted
      }
    })();
    return this;
  }

  events(): string[] {
    return [...this.text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => m[1]);
  }

  async until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
    await waitFor(what, async () => test(), timeoutMs, 50);
  }

  close(): void {
    this.abort.abort();
  }
}

describe('the console on the platform', () => {
  const staticDir = mkdtempSync(join(tmpdir(), 'ctp-console-static-'));
  let closedPort: number;
  let port: number;
  let p: PlatformUnderTest;
  const off = new PlatformUnderTest('console_off');
  const streams: StreamReader[] = [];

  beforeAll(async () => {
    closedPort = await freePort();
    port = await freePort();
    p = new PlatformUnderTest('console_api', {
      PORT: String(port),
      CONSOLE_OIDC_AUTHORITY: AUTHORITY,
      CONSOLE_STATIC_DIR: staticDir,
      CONSOLE_SERVICES: JSON.stringify([
        { name: 'hub-stopped', url: `http://127.0.0.1:${closedPort}` },
        { name: 'platform-itself', url: `http://127.0.0.1:${port}` },
      ]),
      CONSOLE_STREAM_POLL_MS: '200',
      CONSOLE_STREAM_MAX_PER_IDENTITY: '2',
      ROLLUP_DEBOUNCE_MS: '200',
    });
    await Promise.all([p.start(), off.start()]);
  }, 90_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await Promise.all([p?.stop(), off.stop()]);
    rmSync(staticDir, { recursive: true, force: true });
  });

  const url = (path: string) => `${p.baseUrl}${path}`;
  const getJson = async <T>(path: string, headers: Record<string, string>): Promise<{ status: number; body: T }> => {
    const res = await fetch(url(path), { headers });
    return { status: res.status, body: (await res.json()) as T };
  };

  describe('files and sign-in settings, without a token', () => {
    it('gives the sign-in settings to anyone, with the defaults for client and scope', async () => {
      const res = await fetch(url('/console/config.json'));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.json()).toEqual({
        oidc: {
          authority: AUTHORITY,
          clientId: 'ctp-console',
          scope: 'openid registry:read registry:read-restricted overlaps:decide ops:read',
        },
        environment: 'development',
      });
    });

    it('answers 503 saying how to build the console while its files are not there', async () => {
      for (const path of ['/console', '/console/', `/console/${HASHED}`]) {
        const res = await fetch(url(path));
        expect([path, res.status]).toEqual([path, 503]);
        expect(((await res.json()) as { message: string }).message).toMatch(/^the console is not built: npm run build/);
      }
    });

    it('serves index.html at /console and /console/ (revalidated), hashed files for a year, with its own CSP', async () => {
      mkdirSync(join(staticDir, 'assets'), { recursive: true });
      writeFileSync(
        join(staticDir, 'index.html'),
        `<!doctype html><script type="module" src="/console/${HASHED}"></script>`,
      );
      writeFileSync(join(staticDir, HASHED), 'console.log("console")');
      writeFileSync(join(staticDir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      writeFileSync(join(staticDir, '.env'), 'SECRET=1');
      for (const path of ['/console', '/console/', '/console/index.html']) {
        const res = await fetch(url(path));
        expect([path, res.status]).toEqual([path, 200]);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.headers.get('cache-control')).toBe('no-cache');
        expect(await res.text()).toContain(HASHED);
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain(`connect-src 'self' ${AUTHORITY}`);
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('upgrade-insecure-requests');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      }
      const js = await fetch(url(`/console/${HASHED}`));
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await js.text()).toBe('console.log("console")');
      const head = await fetch(url('/console/'), { method: 'HEAD' });
      expect(head.status).toBe(200);
      const logo = await fetch(url('/console/assets/logo.svg'));
      expect([logo.status, logo.headers.get('cache-control')]).toEqual([200, 'no-cache']);
      expect((await fetch(url('/console/.env'))).status).toBe(404);
      expect((await fetch(url('/console/assets/missing-Ab3dE6_h.js'))).status).toBe(404);
      expect((await fetch(url('/console/%2e%2e/package.json'))).status).toBe(404);
    });

    it("keeps the API's strict CSP everywhere else, and the console's API behind tokens", async () => {
      const api = await fetch(url('/initiatives'), { headers: await as.analyst() });
      expect(api.status).toBe(200);
      const csp = api.headers.get('content-security-policy') ?? '';
      expect(csp).not.toContain(AUTHORITY);
      expect(csp).toContain("default-src 'self'");
      for (const path of ['/console/stream', '/console/operations']) {
        const res = await fetch(url(path));
        expect([path, res.status]).toEqual([path, 401]);
      }
    });
  });

  const EUR = snapshotOf('IP-HUB-EUR', 'con-eur', {
    title: { lang: 'en', text: 'Training on the detection of fraudulent travel documents' },
    titleAlt: [{ lang: 'fr', text: 'Formation à la détection des documents de voyage frauduleux' }],
    codeName: 'NAUTILUS',
    recipientCountries: ['SN'],
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
    dates: { plannedStart: '2027-05-10', plannedEnd: '2027-05-14' },
  });
  const AFR = snapshotOf('IP-HUB-AFR', 'con-afr', {
    title: { lang: 'en', text: 'Training on the detection of fraudulent travel documents' },
    titleAlt: [{ lang: 'fr', text: 'Formation à la détection des documents de voyage frauduleux' }],
    recipientCountries: ['SN'],
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
    dates: { plannedStart: '2027-05-10', plannedEnd: '2027-05-14' },
  });
  const UNODC = snapshotOf('PT-UNODC', 'con-unodc', {
    title: { lang: 'en', text: 'Workshop on detecting fraudulent travel documents at borders' },
    recipientCountries: ['SN'],
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
    dates: { plannedStart: '2027-05-11', plannedEnd: '2027-05-16' },
  });
  const SECRET = snapshotOf('IP-HUB-MDE', 'con-secret', {
    title: { lang: 'fr', text: 'Séminaire confidentiel sur la détection des réseaux' },
    visibility: 'INTERPOL_RESTRICTED',
    recipientCountries: ['JO'],
  });

  describe('the API the console needs', () => {
    beforeAll(() => p.decided([EUR, AFR, UNODC, SECRET].map((s) => eventFor(s))), 60_000);

    it('finds a record by its French title typed without accents, in any case, combined with filters and paging', async () => {
      const ids = async (query: string, headers: Record<string, string>) =>
        (await getJson<{ items: { initiativeId: string }[] }>(`/initiatives?${query}`, headers)).body.items.map(
          (i) => i.initiativeId,
        );
      const analyst = await as.analyst();
      expect(await ids('q=formation%20a%20la%20detection', analyst)).toEqual([AFR.initiativeId, EUR.initiativeId]);
      expect(await ids('q=FRAUDULEUX%20voyage', analyst)).toEqual([AFR.initiativeId, EUR.initiativeId]);
      expect(await ids('q=nautilus', analyst)).toEqual([EUR.initiativeId]);
      expect(await ids('q=detection&reporter=IP-HUB-EUR', analyst)).toEqual([EUR.initiativeId]);
      expect(await ids('q=formation%20berlin', analyst)).toEqual([]);
      const first = await getJson<{ items: { initiativeId: string; titleAlt: unknown[] }[]; nextCursor: string }>(
        '/initiatives?q=detection&limit=1',
        analyst,
      );
      expect(first.body.items.map((i) => i.initiativeId)).toEqual([AFR.initiativeId]);
      expect(first.body.items[0].titleAlt).toEqual(AFR.titleAlt);
      expect(await ids(`q=detection&limit=1&cursor=${first.body.nextCursor}`, analyst)).toEqual([EUR.initiativeId]);
      const bad = await getJson<{ details: { field: string; rule: string }[] }>('/initiatives?q=%21%21', analyst);
      expect(bad.status).toBe(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ field: 'q', rule: 'hasLettersOrDigits' })]);
    });

    it('finds a restricted record only for a reader of restricted records', async () => {
      const query = '/initiatives?q=seminaire%20confidentiel';
      const restricted = await getJson<{ items: { initiativeId: string }[] }>(query, await as.analyst());
      expect(restricted.body.items.map((i) => i.initiativeId)).toEqual([SECRET.initiativeId]);
      const shareable = await getJson<{ items: unknown[] }>(query, await bearer('IP-GS-CTP', 'registry:read'));
      expect(shareable.status).toBe(200);
      expect(shareable.body.items).toEqual([]);
      const broad = await getJson<{ items: { initiativeId: string }[] }>(
        '/initiatives?q=detection',
        await bearer('IP-GS-CTP', 'registry:read'),
      );
      expect(broad.body.items.map((i) => i.initiativeId)).not.toContain(SECRET.initiativeId);
    });

    it('lists pairs awaiting a decision highest score first, with stable paging', async () => {
      const analyst = await as.analyst();
      const listed = await getJson<{ items: PairView[] }>('/overlaps?decision=NONE&limit=500', analyst);
      expect(listed.status).toBe(200);
      const all = listed.body.items;
      expect(all.length).toBeGreaterThanOrEqual(2);
      const paged: PairView[] = [];
      let cursor: string | undefined;
      do {
        const page = await getJson<{ items: PairView[]; nextCursor?: string }>(
          `/overlaps?decision=NONE&sort=score&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
          analyst,
        );
        expect(page.status).toBe(200);
        paged.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged.map((x) => x.id).sort()).toEqual(all.map((x) => x.id).sort());
      const expected = [...all].sort(
        (a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || Number(a.id) - Number(b.id),
      );
      expect(paged.map((x) => x.id)).toEqual(expected.map((x) => x.id));
      // A cursor of one order is refused in the other.
      const firstPage = await getJson<{ nextCursor: string }>('/overlaps?decision=NONE&sort=score&limit=1', analyst);
      expect((await fetch(url(`/overlaps?cursor=${firstPage.body.nextCursor}`), { headers: analyst })).status).toBe(
        400,
      );
    });

    it('shows both records of a pair as the review page needs them, and why they matched', async () => {
      const analyst = await as.analyst();
      const pairs = (await getJson<{ items: PairView[] }>(`/overlaps?initiativeId=${EUR.initiativeId}`, analyst)).body
        .items;
      const pair = pairs.find((x) => [x.aId, x.bId].includes(AFR.initiativeId))!;
      expect(pair).toBeDefined();
      const one = await getJson<PairView>(`/overlaps/${pair.id}`, analyst);
      expect(one.status).toBe(200);
      // Why they matched: the concepts their titles share, and the words of each title behind each concept.
      expect(Array.isArray(one.body.signals?.titleConcepts)).toBe(true);
      expect(Array.isArray(one.body.signals?.titleTerms)).toBe(true);
      const eur = one.body.records.find((r) => r.initiativeId === EUR.initiativeId)!;
      expect(eur).toEqual(
        expect.objectContaining({
          reporter: 'IP-HUB-EUR',
          kind: 'TRN',
          status: 'PIPELINE',
          title: EUR.title,
          titleAlt: EUR.titleAlt,
          codeName: 'NAUTILUS',
          countries: ['SN'],
          dates: { plannedStart: '2027-05-10', plannedEnd: '2027-05-14' },
        }),
      );
      expect(one.body.records.find((r) => r.initiativeId === AFR.initiativeId)).toMatchObject({ codeName: null });
    });
  });

  describe('live updates', () => {
    it('streams `pairs` and `rollups` after a decision and `registry` after a new record, with no record data', async () => {
      const analyst = await as.analyst();
      const stream = await new StreamReader().open(url('/console/stream'), analyst);
      streams.push(stream);
      expect(stream.status).toBe(200);
      expect(stream.headers?.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers?.get('cache-control')).toBe('no-cache, no-transform');
      await stream.until('the stream says it is connected', () => stream.text.includes(': connected'));
      // Let the poller take its baseline, and let what the setup set off settle first: its last changes publish a
      // rollup after ROLLUP_DEBOUNCE_MS, which may land after the baseline (one `rollups` event, then nothing).
      let seen = -1;
      for (let quiet = 0, waited = 0; quiet < 3 && waited < 40; waited++) {
        await new Promise((r) => setTimeout(r, 500));
        quiet = stream.events().length === seen ? quiet + 1 : 0;
        seen = stream.events().length;
      }
      expect(stream.events().filter((e) => e !== 'rollups')).toEqual([]);
      const settled = stream.events().length;
      const newEvents = () => stream.events().slice(settled);

      // EUR's duplicates rejected, one by one: EUR leaves its cluster, so the deduplicated count moves.
      const pairs = (await getJson<{ items: PairView[] }>(`/overlaps?initiativeId=${EUR.initiativeId}`, analyst)).body
        .items;
      const duplicates = pairs.filter((x) => x.effective === 'DUPLICATE');
      expect(duplicates.length).toBeGreaterThanOrEqual(1);
      const before = await getJson<{ totals: { deduplicated: number } }>('/rollups', analyst);
      for (const pair of duplicates) {
        const decided = await fetch(url(`/overlaps/${pair.id}/decision`), {
          method: 'POST',
          headers: { ...analyst, 'content-type': 'application/json' },
          body: JSON.stringify({ decision: 'REJECTED', note: 'console test' }),
        });
        expect(decided.status).toBe(200);
      }
      await stream.until('pairs and rollups events', () => ['pairs', 'rollups'].every((e) => newEvents().includes(e)));
      const after = await getJson<{ totals: { deduplicated: number } }>('/rollups', analyst);
      expect(after.body.totals.deduplicated).not.toBe(before.body.totals.deduplicated);
      for (const m of stream.text.matchAll(/^data: (.*)$/gm)) {
        expect(Object.keys(JSON.parse(m[1]) as object)).toEqual(['at']);
      }

      await p.decided([eventFor(snapshotOf('IP-HUB-ASI', 'con-new', { recipientCountries: ['PH'] }))]);
      await stream.until('a registry event', () => newEvents().includes('registry'));
    });

    it('caps the streams of one identity (429), and frees a slot when a client goes away', async () => {
      const capped = await bearer('IP-GS-CTP', 'registry:read', { sub: 'console-cap-test' });
      const a = await new StreamReader().open(url('/console/stream'), capped);
      const b = await new StreamReader().open(url('/console/stream'), capped);
      streams.push(a, b);
      expect([a.status, b.status]).toEqual([200, 200]);
      const c = await new StreamReader().open(url('/console/stream'), capped);
      expect(c.status).toBe(429);
      expect(JSON.parse(c.text)).toMatchObject({
        statusCode: 429,
        message: expect.stringMatching(/2 open console streams/),
      });
      a.close();
      await waitFor('the slot to be freed', async () => {
        const d = await new StreamReader().open(url('/console/stream'), capped);
        streams.push(d);
        return d.status === 200;
      });
    });

    it('refuses a token without registry:read', async () => {
      const res = await fetch(url('/console/stream'), { headers: await bearer('IP-GS-CTP', 'ops:read') });
      expect(res.status).toBe(403);
    });

    it('refuses 401 a token already past its exp, which the guard accepts within its clock tolerance', async () => {
      const expired = await bearer('IP-GS-CTP', 'registry:read', {
        sub: 'console-expired-test',
        expiresAt: Math.floor(Date.now() / 1000) - 5,
      });
      // Within the tolerance (30 s by default): other routes still accept it…
      expect((await fetch(url('/initiatives?limit=1'), { headers: expired })).status).toBe(200);
      // …but a stream on it would end at once, and the console reconnect at once: it is refused as expired instead.
      const res = await fetch(url('/console/stream'), { headers: expired });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer error="invalid_token", error_description="the token has expired"',
      );
      expect(await res.json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'a valid bearer token is required: the token has expired',
        details: [{ field: 'Authorization', rule: 'bearerToken', message: 'the token has expired' }],
      });
    });
  });

  describe('operations', () => {
    interface Operations {
      overall: string;
      sources: { source: string; state: string; status: string }[];
      consumers: { name: string; pending: number; ackPending: number; redelivered: number; status: string }[];
      detection: { backlog: number; status: string };
      deadLetters: { count: number; latest: unknown[]; status: string };
      services: { name: string; url: string; ready: boolean; outboxBacklog?: number; status: string; error?: string }[];
      thresholds: Record<string, unknown>;
    }

    it('answers with a status for each part: a service on a closed port is red, the platform itself is ready', async () => {
      const started = Date.now();
      const { status, body } = await getJson<Operations>('/console/operations', await as.operator());
      expect(status).toBe(200);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(body.consumers.map((c) => c.name).sort()).toEqual(['platform-hubs', 'platform-partners']);
      for (const c of body.consumers) {
        expect(c).toEqual({
          name: c.name,
          pending: expect.any(Number),
          ackPending: expect.any(Number),
          redelivered: expect.any(Number),
          status: expect.stringMatching(/^(green|amber|red)$/),
        });
      }
      expect(body.detection).toMatchObject({ backlog: expect.any(Number), status: expect.any(String) });
      expect(body.deadLetters).toMatchObject({ count: 0, latest: [], status: 'green' });
      expect(body.sources.map((s) => s.source)).toEqual(
        expect.arrayContaining(['/ctp/hubs/eur', '/ctp/hubs/afr', '/ctp/partner-liaison/unodc']),
      );
      // No digest has come from these sources (nothing runs them here): not checked yet.
      expect(body.sources.find((s) => s.source === '/ctp/hubs/eur')).toMatchObject({
        state: 'NOT_CHECKED',
        status: 'amber',
      });
      const stopped = body.services.find((s) => s.name === 'hub-stopped')!;
      expect(stopped).toMatchObject({ ready: false, status: 'red', error: expect.stringMatching(/unreachable/) });
      const itself = body.services.find((s) => s.name === 'platform-itself')!;
      expect(itself).toMatchObject({ ready: true, outboxBacklog: expect.any(Number) });
      expect(body.overall).toBe('red');
      expect(body.thresholds).toHaveProperty('consumer');
    });

    it('needs ops:read at INTERPOL', async () => {
      expect((await fetch(url('/console/operations'), { headers: await as.analyst() })).status).toBe(200);
      expect(
        (await fetch(url('/console/operations'), { headers: await bearer('IP-GS-CTP', 'registry:read') })).status,
      ).toBe(403);
      expect((await fetch(url('/console/operations'), { headers: await bearer('PT-UNODC', 'ops:read') })).status).toBe(
        403,
      );
    });
  });

  describe('without CONSOLE_OIDC_AUTHORITY', () => {
    it('serves no console at all: 404 saying why, on the page, its files and its settings', async () => {
      for (const path of ['/console', '/console/', `/console/${HASHED}`, '/console/config.json']) {
        const res = await fetch(`${off.baseUrl}${path}`);
        expect([path, res.status]).toEqual([path, 404]);
        expect(((await res.json()) as { message: string }).message).toMatch(/CONSOLE_OIDC_AUTHORITY/);
      }
    });
  });
});
