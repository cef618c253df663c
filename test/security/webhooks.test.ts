import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { CloudEvent, InitiativeSnapshot } from '@ctp/contracts';
import { WebhookSecrets } from '../../apps/partner-liaison/src/webhooks/webhook-secrets';
import { as, bearer } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { eventFor, snapshotOf } from '../support/events';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ROOT, ServiceProcess, waitFor } from '../support/services';

/*
 * Partners' webhooks against real partner-liaison processes (issue #12): Standard Webhooks signatures checked with the
 * `standardwebhooks` package, server-generated secrets shown once and stored sealed, rotation with a grace period, a
 * new URL → a new secret, destinations refused at registration and at connection time, no redirects and no receiver
 * answer echoed, records made restricted neither served from the feed's history nor re-sent, and who made each change.
 *
 * Two processes, each with its own NATS server and database: `lax` allows http:// and loopback (WEBHOOK_ALLOW_HTTP,
 * WEBHOOK_ALLOW_PRIVATE_DESTINATIONS) so that it can deliver to the receiver below; `strict` runs with the defaults.
 */

const AFR = 'IP-HUB-AFR';
const SECRET_TITLE = 'Opération Harmattan: informateur à Niamey';
const REDIRECT_MARKER = 'RECEIVER-SAID-internal-host-10.1.2.3-do-not-repeat';
const GRACE_MS = 4000;
const OWN = 'PT-UNODC-own-1';

interface Received {
  path: string;
  headers: Record<string, string>;
  raw: string;
  at: number;
}

interface FeedItem {
  seq: number;
  kind: string;
  initiativeId: string;
  version: number | null;
  payload: Record<string, unknown>;
}

/** A partner's receiver on loopback, plain HTTP: keeps every request; answers 200 unless told otherwise. */
class Receiver {
  readonly received: Received[] = [];
  private readonly handlers = new Map<string, (res: ServerResponse) => void>();
  private server?: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string, handler: (res: ServerResponse) => void): void {
    this.handlers.set(path, handler);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** The request to `path` whose body is about `initiativeId` (the first, or the one matching `match`). */
  async waitFor(path: string, what: string, match: (item: FeedItem) => boolean): Promise<Received> {
    return waitFor(`${path} to receive ${what}`, async () =>
      this.at(path).find((r) => match(JSON.parse(r.raw) as FeedItem)),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = req.url ?? '';
    this.received.push({
      path,
      headers: req.headers as Record<string, string>,
      raw: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
    });
    const handler = this.handlers.get(path);
    if (handler) handler(res);
    else res.writeHead(200).end('ok');
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function call<T = Record<string, unknown>>(
  service: ServiceProcess,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: T; raw: string; headers: Headers }> {
  const res = await fetch(`${service.baseUrl}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const raw = await res.text();
  return { status: res.status, body: (raw ? JSON.parse(raw) : undefined) as T, raw, headers: res.headers };
}

const partnerBody = (ref: string, regions: string[], webhook?: Record<string, unknown>) => ({
  ref,
  acronym: ref.slice(3),
  name: `${ref.slice(3)} (test)`,
  type: 'UN_ENTITY',
  regions,
  agreement: 'MoU 2019-07',
  ...(webhook ? { webhook } : {}),
});

const v = (localId: string, version: number, overrides: Partial<InitiativeSnapshot> = {}) =>
  snapshotOf(AFR, localId, { version, title: { lang: 'en', text: `Course ${localId} v${version}` }, ...overrides });

/** The platform's `ctp.overlap.flagged.v1`, as its outbox would publish it. */
function flagged(pairId: string, initiativeIds: [string, string]): { subject: string; event: CloudEvent } {
  return {
    subject: 'ctp.platform.overlap.flagged.v1',
    event: {
      specversion: '1.0',
      id: randomUUID(),
      source: '/ctp/platform',
      type: 'ctp.overlap.flagged.v1',
      subject: `overlap-${pairId}`,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { pairId, initiativeIds, classification: 'OVERLAP', score: 0.7, rule: 'SCORE', signals: { title: 0.9 } },
    },
  };
}

/** What a receiver does with `standardwebhooks`: verify, or throw. */
const verify = (secret: string, r: Received) => new Webhook(secret).verify(r.raw, r.headers);

describe('partner webhooks: Standard Webhooks, secrets, destinations, leaks, who did it', () => {
  const receiver = new Receiver();
  const natsLax = { server: undefined as unknown as TestNatsServer, publisher: undefined as unknown as TestPublisher };
  let natsStrict: TestNatsServer;
  let lax: ServiceProcess;
  let strict: ServiceProcess;
  const db = TestDatabase.fresh('hooks_lax');
  const dbStrict = TestDatabase.fresh('hooks_strict');
  const keyStrict = randomBytes(32);
  const admin = () => bearer('IP-GS-CTP', 'partners:admin', { sub: 'alice@interpol' });
  const unodc = () => bearer('PT-UNODC', 'partner', { sub: 'bob@unodc' });
  /** Every secret shown so far: none may ever appear anywhere else. */
  const secretsShown: string[] = [];
  let secret1: string;
  let secret2: string;
  let secret3: string;

  const publish = (...items: { subject: string; event: CloudEvent }[]) => natsLax.publisher.publishAll(items);

  const feedOf = async (service: ServiceProcess, ref: string) => {
    const page = await call<{ items: FeedItem[] }>(
      service,
      'GET',
      `/partners/${ref}/feed?limit=500`,
      await as.partner(ref),
    );
    expect(page.status).toBe(200);
    return page;
  };

  const deliveries = async (ref: string) =>
    (
      await call<{
        items: {
          id: string;
          seq: number;
          initiativeId: string;
          kind: string;
          status: string;
          lastStatus: number | null;
          lastError: string | null;
        }[];
      }>(lax, 'GET', `/partners/${ref}/deliveries?limit=500`, await as.partnersAdmin())
    ).body.items;

  beforeAll(async () => {
    await receiver.start();
    natsLax.server = await TestNatsServer.start();
    natsLax.publisher = await TestPublisher.connect(natsLax.server.url);
    natsStrict = await TestNatsServer.start();
    lax = new ServiceProcess(
      'partner-liaison',
      {
        PORT: String(await freePort()),
        NATS_URL: natsLax.server.url,
        DATABASE_URL: db.url,
        WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'true',
        WEBHOOK_SECRET_GRACE_MS: String(GRACE_MS),
        WEBHOOK_RETRY_BASE_MS: '50',
        WEBHOOK_RETRY_MAX_MS: '200',
        WEBHOOK_MAX_ATTEMPTS: '2',
        WEBHOOK_TIMEOUT_MS: '1500',
        WEBHOOK_POLL_INTERVAL_MS: '100',
        FEED_RECONCILE_INTERVAL_MS: '300',
      },
      'hooks-lax',
    );
    strict = new ServiceProcess(
      'partner-liaison',
      {
        PORT: String(await freePort()),
        NATS_URL: natsStrict.url,
        DATABASE_URL: dbStrict.url,
        WEBHOOK_SECRET_KEY: keyStrict.toString('base64'),
        WEBHOOK_RETRY_BASE_MS: '50',
        WEBHOOK_RETRY_MAX_MS: '200',
        WEBHOOK_MAX_ATTEMPTS: '2',
        WEBHOOK_POLL_INTERVAL_MS: '100',
        FEED_RECONCILE_INTERVAL_MS: '300',
      },
      'hooks-strict',
    );
    await Promise.all([lax.start(), strict.start()]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([lax?.stop(), strict?.stop()]);
    await natsLax.publisher?.close();
    await Promise.all([natsLax.server?.stop(), natsStrict?.stop()]);
    await receiver.stop();
    await Promise.all([db.drop(), dbStrict.drop()]);
  });

  describe('secrets', () => {
    it('refuses a supplied secret with a 400 naming webhook.secret, and registers nothing', async () => {
      const res = await call<{ details: { field: string; message: string }[] }>(
        lax,
        'POST',
        '/partners',
        await admin(),
        partnerBody('PT-UNODC', ['AFR'], {
          url: receiver.url('/hooks/unodc'),
          secret: 'whsec_chosen-by-the-caller-0123456789',
        }),
      );
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        expect.objectContaining({ field: 'webhook.secret', message: expect.stringMatching(/server generates it/) }),
      ]);
      expect((await call(lax, 'GET', '/partners/PT-UNODC', await as.partnersAdmin())).status).toBe(404);
    });

    it('generates the secret, shows it once (never by GET), and stores it sealed, not in clear', async () => {
      const res = await call<{ webhook: { url: string; secret: string; secretSet: boolean } }>(
        lax,
        'POST',
        '/partners',
        await admin(),
        partnerBody('PT-UNODC', ['AFR'], { url: receiver.url('/hooks/unodc') }),
      );
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      secret1 = res.body.webhook.secret;
      secretsShown.push(secret1);
      expect(secret1).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(res.body.webhook).toMatchObject({ url: receiver.url('/hooks/unodc'), secretSet: true });

      for (const [path, headers] of [
        ['/partners/PT-UNODC', await as.partnersAdmin()],
        ['/partners/PT-UNODC', await as.partner('PT-UNODC')],
        ['/partners', await as.partnersAdmin()],
      ] as const) {
        const got = await call<{ webhook?: Record<string, unknown> }>(lax, 'GET', path, headers);
        expect(got.status).toBe(200);
        expect(got.raw).not.toContain(secret1.slice(6));
        expect(got.raw).not.toContain('"secret"');
      }

      const [row] = await db.query<{ webhook_secret_enc: string; whole: string }>(
        `SELECT webhook_secret_enc, row_to_json(p)::text AS whole FROM partners p WHERE ref = 'PT-UNODC'`,
      );
      expect(row.webhook_secret_enc).toMatch(/^v1\./);
      expect(row.webhook_secret_enc).not.toBe(secret1);
      expect(row.whole).not.toContain(secret1.slice(6));
      expect(row.whole).not.toContain(Buffer.from(secret1.slice(6), 'base64').toString('hex'));
      const plain = await db.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'partners' AND column_name = 'webhook_secret'`,
      );
      expect(plain).toEqual([]);
    });

    it('signs each delivery the Standard Webhooks way: the standardwebhooks package verifies it', async () => {
      await publish(eventFor(v('alpha', 1)));
      const r = await receiver.waitFor('/hooks/unodc', 'alpha', (i) => i.initiativeId === `${AFR}-alpha`);
      const item = verify(secret1, r) as FeedItem;
      expect(item).toMatchObject({ kind: 'INITIATIVE', initiativeId: `${AFR}-alpha`, version: 1 });
      expect(r.headers['webhook-signature'].split(' ')).toHaveLength(1);
      expect(r.headers['webhook-id']).toBe(r.headers['x-ctp-delivery-id']);
      expect(r.headers['x-ctp-signature']).toBeUndefined();
      const list = await deliveries('PT-UNODC');
      expect(list.find((d) => d.initiativeId === `${AFR}-alpha`)?.id).toBe(r.headers['webhook-id']);
      expect(() => verify(secret1, { ...r, raw: r.raw.replace('alpha', 'alphb') })).toThrow();
      // The feed serves the same item the webhook carried.
      expect((await feedOf(lax, 'PT-UNODC')).body.items).toContainEqual(expect.objectContaining({ ...item }));
    });

    it('rotates: during the grace period both secrets verify, after it only the new one', async () => {
      const refused = await call<{ details: { field: string }[] }>(
        lax,
        'POST',
        '/partners/PT-UNODC/webhook/rotate-secret',
        await admin(),
        { secret: 'whsec_mine' },
      );
      expect(refused.status).toBe(400);
      expect(refused.body.details.map((d) => d.field)).toEqual(['secret']);

      const rotatedAt = Date.now();
      const res = await call<{ webhook: { secret: string; previousSecretValidUntil: string } }>(
        lax,
        'POST',
        '/partners/PT-UNODC/webhook/rotate-secret',
        await admin(),
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      secret2 = res.body.webhook.secret;
      secretsShown.push(secret2);
      expect(secret2).toMatch(/^whsec_/);
      expect(secret2).not.toBe(secret1);
      const until = Date.parse(res.body.webhook.previousSecretValidUntil);
      expect(until - rotatedAt).toBeGreaterThan(GRACE_MS - 2000);
      expect(until - rotatedAt).toBeLessThan(GRACE_MS + 2000);
      const after = await call(lax, 'GET', '/partners/PT-UNODC', await as.partnersAdmin());
      expect(after.raw).not.toContain(secret2.slice(6));

      await publish(eventFor(v('beta', 1)));
      const during = await receiver.waitFor('/hooks/unodc', 'beta', (i) => i.initiativeId === `${AFR}-beta`);
      expect(during.at).toBeLessThan(until);
      expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(verify(secret2, during)).toMatchObject({ initiativeId: `${AFR}-beta` });
      expect(verify(secret1, during)).toMatchObject({ initiativeId: `${AFR}-beta` });

      await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 300));
      await publish(eventFor(v('gamma', 1)));
      const later = await receiver.waitFor('/hooks/unodc', 'gamma', (i) => i.initiativeId === `${AFR}-gamma`);
      expect(later.headers['webhook-signature'].split(' ')).toHaveLength(1);
      expect(verify(secret2, later)).toMatchObject({ initiativeId: `${AFR}-gamma` });
      expect(() => verify(secret1, later)).toThrow(/No matching signature/);
      const got = await call<{ webhook: { previousSecretValidUntil: string | null } }>(
        lax,
        'GET',
        '/partners/PT-UNODC',
        await as.partnersAdmin(),
      );
      expect(got.body.webhook.previousSecretValidUntil).toBeNull();
    });

    it('gives a new URL a new secret: the old secret never signs for the new URL', async () => {
      const edit = (webhook: Record<string, unknown>) => ({
        name: 'UNODC (test)',
        regions: ['AFR'],
        agreement: 'MoU 2019-07',
        webhook,
      });
      const refused = await call<{ details: { field: string }[] }>(
        lax,
        'PUT',
        '/partners/PT-UNODC',
        await admin(),
        edit({ url: receiver.url('/hooks/unodc-v2'), secret: secret2 }),
      );
      expect(refused.status).toBe(400);
      expect(refused.body.details.map((d) => d.field)).toEqual(['webhook.secret']);

      const res = await call<{ webhook: { url: string; secret: string; previousSecretValidUntil: string | null } }>(
        lax,
        'PUT',
        '/partners/PT-UNODC',
        await admin(),
        edit({ url: receiver.url('/hooks/unodc-v2') }),
      );
      expect(res.status).toBe(200);
      secret3 = res.body.webhook.secret;
      secretsShown.push(secret3);
      expect(secret3).toMatch(/^whsec_/);
      expect([secret1, secret2]).not.toContain(secret3);
      expect(res.body.webhook.previousSecretValidUntil).toBeNull();

      const same = await call(
        lax,
        'PUT',
        '/partners/PT-UNODC',
        await admin(),
        edit({ url: receiver.url('/hooks/unodc-v2') }),
      );
      expect(same.status).toBe(200);
      expect(same.raw).not.toContain('"secret"');

      await publish(eventFor(v('delta', 1)));
      const r = await receiver.waitFor('/hooks/unodc-v2', 'delta', (i) => i.initiativeId === `${AFR}-delta`);
      expect(r.headers['webhook-signature'].split(' ')).toHaveLength(1);
      expect(verify(secret3, r)).toMatchObject({ initiativeId: `${AFR}-delta` });
      expect(() => verify(secret2, r)).toThrow(/No matching signature/);
      expect(() => verify(secret1, r)).toThrow(/No matching signature/);
      expect(receiver.at('/hooks/unodc').some((x) => x.raw.includes(`${AFR}-delta`))).toBe(false);
    });
  });

  describe('destinations', () => {
    const refusals = (port: number): [string, string, RegExp][] => [
      [`https://127.0.0.1:${port}/hooks/ssrf`, 'publicAddress', /127\.0\.0\.1, a loopback address/],
      ['https://10.0.0.1/hooks/ssrf', 'publicAddress', /private-network/],
      ['https://169.254.169.254/latest/meta-data/', 'publicAddress', /cloud metadata/],
      [`https://[::1]:${port}/hooks/ssrf`, 'publicAddress', /::1, a loopback address/],
      [`https://[::ffff:127.0.0.1]:${port}/hooks/ssrf`, 'publicAddress', /loopback/],
      [`https://localhost:${port}/hooks/ssrf`, 'publicAddress', /localhost resolves to (127\.0\.0\.1|::1), a loopback/],
      [`http://93.184.215.14/hooks/ssrf`, 'httpsOnly', /https:\/\//],
      [`https://user:pw@93.184.215.14/hooks/ssrf`, 'noCredentials', /user name or password/],
    ];

    it('refuses internal destinations and http:// at registration, with a 422 naming webhook.url and the rule', async () => {
      for (const [url, rule, message] of refusals(receiver.port)) {
        const res = await call<{ statusCode: number; details: { field: string; rule: string; message: string }[] }>(
          strict,
          'POST',
          '/partners',
          await admin(),
          partnerBody('PT-SSRF', ['AFR'], { url }),
        );
        expect([url, res.status]).toEqual([url, 422]);
        expect([url, res.body.details]).toEqual([
          url,
          [{ field: 'webhook.url', rule, message: expect.stringMatching(message) }],
        ]);
      }
      expect(await dbStrict.query(`SELECT ref FROM partners`)).toEqual([]);
      expect(receiver.at('/hooks/ssrf')).toEqual([]);
    });

    it('refuses them on a change of URL too, and changes nothing', async () => {
      expect((await call(strict, 'POST', '/partners', await admin(), partnerBody('PT-STRICT', ['AFR']))).status).toBe(
        201,
      );
      for (const [url, rule] of refusals(receiver.port)) {
        const res = await call<{ details: { field: string; rule: string }[] }>(
          strict,
          'PUT',
          '/partners/PT-STRICT',
          await admin(),
          {
            name: 'STRICT (test)',
            regions: ['AFR'],
            agreement: 'MoU 2019-07',
            webhook: { url },
          },
        );
        expect([url, res.status, res.body.details.map((d) => `${d.field} ${d.rule}`)]).toEqual([
          url,
          422,
          [`webhook.url ${rule}`],
        ]);
      }
      const [row] = await dbStrict.query<{ webhook_url: string | null; webhook_secret_enc: string | null }>(
        `SELECT webhook_url, webhook_secret_enc FROM partners WHERE ref = 'PT-STRICT'`,
      );
      expect(row).toEqual({ webhook_url: null, webhook_secret_enc: null });
    });

    it('never allows the metadata service, even where loopback is allowed for tests', async () => {
      const res = await call<{ details: { field: string; rule: string }[] }>(
        lax,
        'POST',
        '/partners',
        await admin(),
        partnerBody('PT-META', ['AFR'], { url: 'http://169.254.169.254/latest/meta-data/' }),
      );
      expect(res.status).toBe(422);
      expect(res.body.details).toMatchObject([{ field: 'webhook.url', rule: 'publicAddress' }]);
    });

    it('checks again at connection time: a URL that got into the table is refused there, nothing is sent', async () => {
      // As if the URL had been registered when it was allowed (or its name resolved elsewhere then).
      const sealed = new WebhookSecrets({ secretKey: keyStrict }).seal(
        `whsec_${randomBytes(32).toString('base64')}`,
        'PT-STRICT',
      );
      await dbStrict.query(
        `UPDATE partners SET webhook_url = $1, webhook_secret_enc = $2, webhook_secret_created_at = now() WHERE ref = 'PT-STRICT'`,
        [`https://127.0.0.1:${receiver.port}/hooks/rebound`, sealed],
      );
      const publisher = await TestPublisher.connect(natsStrict.url);
      try {
        await publisher.publishAll([eventFor(v('rebound', 1))]);
      } finally {
        await publisher.close();
      }
      const dead = await waitFor('the delivery to be DEAD', async () => {
        const list = await call<{ items: { status: string; lastError: string }[] }>(
          strict,
          'GET',
          '/partners/PT-STRICT/deliveries',
          await as.partnersAdmin(),
        );
        return list.body.items.find((d) => d.status === 'DEAD');
      });
      expect(dead.lastError).toBe('destination refused: not a public address');
      expect(receiver.at('/hooks/rebound')).toEqual([]);
    });

    it('does not follow a redirect (a failed delivery), and never repeats what the receiver answered', async () => {
      receiver.on('/hooks/redirect', (res) =>
        res
          .writeHead(302, { location: receiver.url('/hooks/redirect-target'), 'content-type': 'text/plain' })
          .end(REDIRECT_MARKER),
      );
      const res = await call(
        lax,
        'POST',
        '/partners',
        await admin(),
        partnerBody('PT-AFRIPOL', ['AFR'], { url: receiver.url('/hooks/redirect') }),
      );
      expect(res.status).toBe(201);
      secretsShown.push((res.body as { webhook: { secret: string } }).webhook.secret);
      await publish(eventFor(v('epsilon', 1)));
      const dead = await waitFor(
        'AFRIPOL’s delivery of epsilon to be DEAD',
        async () =>
          (await deliveries('PT-AFRIPOL')).find((d) => d.initiativeId === `${AFR}-epsilon` && d.status === 'DEAD'),
        30_000,
      );
      expect(dead).toMatchObject({ lastStatus: 302, lastError: 'HTTP 302' });
      expect(receiver.at('/hooks/redirect').length).toBeGreaterThanOrEqual(2);
      expect(receiver.at('/hooks/redirect-target')).toEqual([]);

      const answers = [
        (await call(lax, 'GET', '/partners/PT-AFRIPOL/deliveries?limit=500', await as.partnersAdmin())).raw,
        (await call(lax, 'GET', '/partners/PT-AFRIPOL/deliveries?limit=500', await as.partner('PT-AFRIPOL'))).raw,
        (await call(lax, 'GET', '/partners/PT-AFRIPOL/audit?limit=500', await as.partner('PT-AFRIPOL'))).raw,
        (await call(lax, 'GET', '/audit?limit=500', await as.partnersAdmin())).raw,
        (await call(lax, 'GET', '/partners/PT-AFRIPOL', await as.partnersAdmin())).raw,
        (await call(lax, 'POST', `/partners/PT-AFRIPOL/deliveries/${dead.id}/resend`, await as.partnersAdmin())).raw,
      ];
      for (const raw of answers) expect(raw).not.toContain(REDIRECT_MARKER);
      expect(lax.logs()).not.toContain(REDIRECT_MARKER);
    });
  });

  describe('records made restricted, and notices about restricted records', () => {
    const own = OWN;

    it('gives no notice at all about a pair whose other record is restricted', async () => {
      const created = await call(lax, 'POST', '/partners/PT-UNODC/initiatives', await unodc(), {
        localId: 'own-1',
        kind: 'TRN',
        title: { lang: 'en', text: 'Course on travel documents' },
        actionStreams: { primary: 'IDENTIFICATION', secondary: [] },
        status: 'PIPELINE',
        dates: { plannedStart: '2027-06-01', plannedEnd: '2027-06-03' },
        scope: 'NATIONAL',
        recipientCountries: ['KE'],
        visibility: 'PARTNER_SHAREABLE',
      });
      expect(created.status).toBe(201);
      // One after the other: each consumer applies its subject's events in the order they were published.
      await publish(
        eventFor(v('secret', 1, { visibility: 'INTERPOL_RESTRICTED', title: { lang: 'fr', text: SECRET_TITLE } })),
      );
      await publish(eventFor(v('shared', 1)));
      await receiver.waitFor('/hooks/unodc-v2', 'shared', (i) => i.initiativeId === `${AFR}-shared`);
      await publish(flagged('901', [own, `${AFR}-secret`]));
      await publish(flagged('902', [`${AFR}-shared`, own]));
      const notice = await receiver.waitFor('/hooks/unodc-v2', 'the notice of pair 902', (i) => i.kind === 'NOTICE');
      expect(JSON.parse(notice.raw)).toMatchObject({
        kind: 'NOTICE',
        initiativeId: own,
        payload: { pairId: '902', other: { initiativeId: `${AFR}-shared`, reporter: 'IP-HUB-AFR' } },
      });
      const feed = await feedOf(lax, 'PT-UNODC');
      const notices = feed.body.items.filter((i) => i.kind === 'NOTICE');
      expect(notices.map((n) => n.payload.pairId)).toEqual(['902']);
      for (const text of [feed.raw, ...receiver.received.map((r) => r.raw)]) {
        expect(text).not.toContain(`${AFR}-secret`);
        expect(text).not.toContain(SECRET_TITLE);
        expect(text).not.toContain('"restricted"');
      }
    });

    it('once a record is made restricted: nothing of it is served from the feed history, nor re-sent (410)', async () => {
      const shared = (await deliveries('PT-UNODC')).find(
        (d) => d.initiativeId === `${AFR}-shared` && d.kind === 'INITIATIVE',
      )!;
      const noticeDelivery = (await deliveries('PT-UNODC')).find((d) => d.kind === 'NOTICE')!;
      await waitFor('both to be DELIVERED', async () => {
        const list = await deliveries('PT-UNODC');
        return [shared.id, noticeDelivery.id].every((id) => list.find((d) => d.id === id)?.status === 'DELIVERED');
      });
      await publish(
        eventFor(v('shared', 2, { visibility: 'INTERPOL_RESTRICTED', title: { lang: 'fr', text: SECRET_TITLE } })),
      );
      await receiver.waitFor(
        '/hooks/unodc-v2',
        'the retraction',
        (i) => i.initiativeId === `${AFR}-shared` && i.kind === 'RETRACTION',
      );

      const feed = await feedOf(lax, 'PT-UNODC');
      const about = feed.body.items.filter((i) => i.initiativeId === `${AFR}-shared` || i.payload.pairId === '902');
      expect(about.map((i) => [i.kind, i.version, i.payload])).toEqual([['RETRACTION', 2, { reason: 'RESTRICTED' }]]);
      expect(feed.raw).not.toContain('Course shared v1');
      expect(feed.raw).not.toContain(SECRET_TITLE);

      const seen = receiver.received.length;
      for (const d of [shared, noticeDelivery]) {
        const res = await call<{ statusCode: number; message: string }>(
          lax,
          'POST',
          `/partners/PT-UNODC/deliveries/${d.id}/resend`,
          await admin(),
        );
        expect(res.status).toBe(410);
        expect(res.body.message).toMatch(/no longer shareable/);
      }
      await new Promise((r) => setTimeout(r, 700));
      expect(
        receiver.received.slice(seen).filter((r) => [shared.id, noticeDelivery.id].includes(r.headers['webhook-id'])),
      ).toEqual([]);
      const after = await deliveries('PT-UNODC');
      expect(after.find((d) => d.id === shared.id)?.status).toBe('DELIVERED');
      // A record still shareable is re-sent as before.
      const alpha = after.find((d) => d.initiativeId === `${AFR}-alpha`)!;
      expect((await call(lax, 'POST', `/partners/PT-UNODC/deliveries/${alpha.id}/resend`, await admin())).status).toBe(
        200,
      );
      await waitFor('alpha to be re-sent', async () =>
        receiver.received.slice(seen).some((r) => r.headers['webhook-id'] === alpha.id),
      );
    });
  });

  describe('who did it', () => {
    it('records sub and org with every change: registry, URL, rotation, initiatives, import, withdrawal, re-send', async () => {
      const csv = readFileSync(join(ROOT, 'examples/partner-import.csv'), 'utf8');
      const imported = await call<{ imported: number }>(
        lax,
        'POST',
        '/partners/PT-UNODC/initiatives:import',
        await unodc(),
        csv,
        'text/csv',
      );
      expect(imported.status).toBe(200);
      expect(imported.body.imported).toBeGreaterThan(0);
      const withdrawn = await call(lax, 'POST', '/partners/PT-UNODC/initiatives/own-1/withdraw', await unodc(), {
        reason: 'reported twice',
      });
      expect(withdrawn.status).toBe(200);

      const audit = await call<{
        items: {
          channel: string;
          action: string;
          outcome: string;
          actor: { sub: string; org: string } | null;
          details: Record<string, unknown> | null;
        }[];
      }>(lax, 'GET', '/partners/PT-UNODC/audit?limit=500', await as.partnersAdmin());
      expect(audit.status).toBe(200);
      const changes = audit.body.items.filter((l) => l.channel === 'API' || l.action === 'RESEND');
      const who = (action: string) => changes.filter((l) => l.action === action).map((l) => l.actor);
      const alice = { sub: 'alice@interpol', org: 'IP-GS-CTP' };
      const bob = { sub: 'bob@unodc', org: 'PT-UNODC' };
      expect(who('PARTNER_REGISTERED')).toEqual([alice]);
      expect(who('WEBHOOK_SECRET_ROTATED')).toEqual([alice]);
      expect(who('PARTNER_UPDATED')).toEqual([alice]);
      expect(who('RESEND')).toEqual([alice]);
      expect(who('CSV_IMPORTED')).toEqual([bob]);
      expect(who('INITIATIVE_WITHDRAWN')).toEqual([bob]);
      const reported = changes.filter((l) => l.action === 'INITIATIVE_REPORTED');
      expect(reported.length).toBe(1 + imported.body.imported);
      expect(new Set(reported.map((l) => JSON.stringify(l.actor)))).toEqual(new Set([JSON.stringify(bob)]));
      expect(reported.map((l) => l.details?.via)).toEqual([
        'API',
        ...Array<string>(imported.body.imported).fill('CSV_IMPORT'),
      ]);
      expect(changes.find((l) => l.action === 'PARTNER_UPDATED')?.details).toMatchObject({
        changed: ['webhook.url', 'webhook.secret'],
        webhookUrl: receiver.url('/hooks/unodc-v2'),
        previousWebhookUrl: receiver.url('/hooks/unodc'),
        secretGenerated: true,
      });
      const byInitiative = await call<{ items: { channel: string; action: string }[] }>(
        lax,
        'GET',
        `/audit?initiativeId=${OWN}&limit=500`,
        await as.partnersAdmin(),
      );
      expect(byInitiative.body.items.filter((l) => l.channel === 'API').map((l) => l.action)).toEqual([
        'INITIATIVE_REPORTED',
        'INITIATIVE_WITHDRAWN',
      ]);

      // No secret anywhere in the audit, nor in the logs.
      const everything = (await call(lax, 'GET', '/audit?limit=500', await as.partnersAdmin())).raw + lax.logs();
      for (const s of secretsShown) expect(everything).not.toContain(s.slice(6));

      // And the request log line of each change names who made it.
      const line = lax
        .logLines()
        .find(
          (l) =>
            l.msg === 'http request' &&
            l.method === 'POST' &&
            String(l.url).endsWith('/webhook/rotate-secret') &&
            l.status === 200,
        );
      expect(line).toMatchObject({ sub: 'alice@interpol', org: 'IP-GS-CTP' });
    });
  });
});
