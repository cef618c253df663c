import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { InitiativeSnapshot } from '@ctp/contracts';
import { TestDatabase } from '../support/databases';
import { eventFor, snapshotOf } from '../support/events';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';
import {
  addPartner,
  AuditLine,
  FeedItem,
  getJson,
  postJson,
  readAudit,
  readWholeFeed,
  waitForFeedItem,
} from './outbound-support';

const AFR = 'IP-HUB-AFR';
const SECRET_TITLE = 'Opération Harmattan: informateur à Niamey';
const SECRET_UPDATE_TITLE = 'Écoutes du réseau de financement';
const MAX_ATTEMPTS = 4;
/**
 * Long enough that a partner's first delivery, which a receiver below leaves unanswered once, is still being retried
 * when the set-up makes `turned` restricted: its version 1, queued behind it, is then withheld, never sent.
 */
const TIMEOUT_MS = 2500;

interface Received {
  path: string;
  /** `webhook-id` (Standard Webhooks): the delivery id, the same on every attempt. */
  deliveryId: string;
  /** X-CTP-Delivery-Id, informational: the same as `webhook-id`. */
  ctpDeliveryId: string;
  attempt: number;
  /** Every header as received, for `standardwebhooks` to verify. */
  headers: Record<string, string>;
  raw: string;
  /** What the receiver answered: a status, or `hang` (no answer: the sender must time out). */
  answered: number | 'hang';
}

type Behaviour = (nthRequest: number) => number | 'hang';

/** A partner's webhook receiver: a real HTTP server on loopback that keeps every request it got and what it answered. */
class Receiver {
  readonly received: Received[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly counts = new Map<string, number>();
  private readonly hanging: ServerResponse[] = [];
  private server?: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}${path}`;
  }

  behave(path: string, behaviour: Behaviour): void {
    this.behaviours.set(path, behaviour);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = req.url ?? '';
    const n = (this.counts.get(path) ?? 0) + 1;
    this.counts.set(path, n);
    const answered = (this.behaviours.get(path) ?? (() => 200))(n);
    this.received.push({
      path,
      deliveryId: String(req.headers['webhook-id']),
      ctpDeliveryId: String(req.headers['x-ctp-delivery-id']),
      attempt: Number(req.headers['x-ctp-attempt']),
      headers: req.headers as Record<string, string>,
      raw: Buffer.concat(chunks).toString('utf8'),
      answered,
    });
    if (answered === 'hang') {
      this.hanging.push(res);
      return;
    }
    res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'receiver says no');
  }

  /** The bodies this receiver acknowledged (answered 2xx), per delivery id. */
  acknowledged(path: string): Map<string, Received[]> {
    const out = new Map<string, Received[]>();
    for (const r of this.received) {
      if (r.path !== path || r.answered === 'hang' || r.answered >= 300) continue;
      out.set(r.deliveryId, [...(out.get(r.deliveryId) ?? []), r]);
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * What a partner does with each request (docs/partner-feeds.md): verify it with a Standard Webhooks library, the
 * `standardwebhooks` package, on the raw body (a fresh timestamp, then the signature), with the secret it was given.
 */
function verifies(r: Received, secret: string): boolean {
  try {
    new Webhook(secret).verify(r.raw, r.headers);
    return true;
  } catch {
    return false;
  }
}

const v = (localId: string, version: number, overrides: Partial<InitiativeSnapshot> = {}) =>
  snapshotOf(AFR, localId, { version, title: { lang: 'en', text: `Course ${localId} v${version}` }, ...overrides });

/** Signed webhooks against a real partner-liaison process and real receivers: retries, order, DEAD, re-send, audit. */
describe('partner-liaison outbound: webhooks', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  let liaison: ServiceProcess;
  const receiver = new Receiver();
  const db = TestDatabase.fresh('liaison_hooks');
  let feedOf: Record<string, FeedItem[]> = {};
  /** The secrets the server generated at registration, as handed to each partner. */
  let flakySecret: string;
  let downSecret: string;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    await receiver.start();
    // UNODC's receiver fails its first three requests: an error, no answer at all (a timeout), another error.
    const flaky: Behaviour = (n) => (n === 1 ? 500 : n === 2 ? 'hang' : n === 3 ? 503 : 200);
    receiver.behave('/hooks/unodc', flaky);
    // AFRIPOL's is down: it answers 500, every time (the first time only after the sender has given up waiting).
    receiver.behave('/hooks/afripol', (n) => (n === 1 ? 'hang' : 500));
    liaison = new ServiceProcess('partner-liaison', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
      // The receivers are plain http:// on loopback.
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'true',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '400',
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_POLL_INTERVAL_MS: '100',
    });
    await liaison.start();
    const unodc = await addPartner(liaison, db, {
      ref: 'PT-UNODC',
      regions: ['AFR'],
      webhookUrl: receiver.url('/hooks/unodc'),
    });
    const afripol = await addPartner(liaison, db, {
      ref: 'PT-AFRIPOL',
      regions: ['AFR'],
      webhookUrl: receiver.url('/hooks/afripol'),
    });
    flakySecret = unodc.secret!;
    downSecret = afripol.secret!;

    // Each step waits for the feed, so that versions of one record are not applied in one batch (only the last one
    // of a batch is shared: snapshots carry the whole state).
    const step = async (s: InitiativeSnapshot, expected: (i: FeedItem) => boolean) => {
      await publisher.publishAll([eventFor(s)]);
      await waitForFeedItem(liaison, 'PT-UNODC', `${s.initiativeId} v${s.version}`, expected);
    };
    await publisher.publishAll([
      eventFor(v('secret', 1, { visibility: 'INTERPOL_RESTRICTED', title: { lang: 'fr', text: SECRET_TITLE } })),
    ]);
    await step(v('alpha', 1), (i) => i.initiativeId === `${AFR}-alpha` && i.version === 1);
    await step(v('alpha', 2), (i) => i.initiativeId === `${AFR}-alpha` && i.version === 2);
    await step(v('turned', 1), (i) => i.initiativeId === `${AFR}-turned` && i.version === 1);
    await step(
      v('turned', 2, { visibility: 'INTERPOL_RESTRICTED', title: { lang: 'fr', text: SECRET_UPDATE_TITLE } }),
      (i) => i.initiativeId === `${AFR}-turned` && i.kind === 'RETRACTION',
    );
    // Both partners' first deliveries were still failing: `turned` v1 had not been sent to anyone (else this test's
    // set-up was too slow for what it means to show: a pending delivery of a record made restricted is withheld).
    const turnedSent = receiver.received.filter((r) => r.raw.includes(`"initiativeId":"${AFR}-turned"`));
    if (turnedSent.length > 0) throw new Error('set-up too slow: turned v1 was posted before it was made restricted');
    await step(v('alpha', 3), (i) => i.initiativeId === `${AFR}-alpha` && i.version === 3);
    await step(v('beta', 1), (i) => i.initiativeId === `${AFR}-beta`);
    feedOf = {
      'PT-UNODC': (await readWholeFeed(liaison, 'PT-UNODC')).items,
      'PT-AFRIPOL': (await readWholeFeed(liaison, 'PT-AFRIPOL')).items,
    };
  });

  afterAll(async () => {
    await liaison?.stop();
    await receiver.stop();
    await publisher?.close();
    await nats?.stop();
    await db.drop();
  });

  const deliveries = async (ref: string, status?: string) =>
    (
      await getJson<{
        items: {
          id: string;
          seq: number;
          kind: string;
          initiativeId: string;
          version: number | null;
          status: string;
          attempts: number;
          lastError: string;
        }[];
      }>(liaison, `/partners/${ref}/deliveries?limit=500${status ? `&status=${status}` : ''}`)
    ).body.items;

  /** `kind:localId@version` of a feed item or delivery. */
  const label = (i: { kind: string; initiativeId: string; version: number | null }) =>
    `${i.kind}:${i.initiativeId.slice(AFR.length + 1)}@${i.version}`;

  it('delivers every feed entry exactly once, in order, signed, to a receiver that failed its first 3 attempts', async () => {
    const feed = feedOf['PT-UNODC'];
    // turned v1 was written (seq 3) while shareable; the record is restricted now: the feed no longer serves it.
    expect(feed.map((i) => [i.seq, label(i)])).toEqual([
      [1, 'INITIATIVE:alpha@1'],
      [2, 'INITIATIVE:alpha@2'],
      [4, 'RETRACTION:turned@2'],
      [5, 'INITIATIVE:alpha@3'],
      [6, 'INITIATIVE:beta@1'],
    ]);
    const settled = await waitFor('every UNODC delivery to be DELIVERED or WITHHELD', async () => {
      const list = await deliveries('PT-UNODC');
      return list.length === 6 && list.every((d) => d.status !== 'PENDING') ? list : undefined;
    });
    // Its delivery was still waiting behind the failing first one when the record was made restricted: withheld.
    expect(settled.map((d) => [d.seq, label(d), d.status])).toEqual([
      [1, 'INITIATIVE:alpha@1', 'DELIVERED'],
      [2, 'INITIATIVE:alpha@2', 'DELIVERED'],
      [3, 'INITIATIVE:turned@1', 'WITHHELD'],
      [4, 'RETRACTION:turned@2', 'DELIVERED'],
      [5, 'INITIATIVE:alpha@3', 'DELIVERED'],
      [6, 'INITIATIVE:beta@1', 'DELIVERED'],
    ]);
    expect(settled[2].attempts).toBe(0);
    const all = settled.filter((d) => d.status === 'DELIVERED');

    const requests = receiver.received.filter((r) => r.path === '/hooks/unodc');
    expect(requests.some((r) => r.deliveryId === settled[2].id)).toBe(false);
    // The first delivery held the others back while it failed: the first four requests are all its attempts.
    expect(requests.slice(0, 4).map((r) => [r.deliveryId, r.attempt, r.answered])).toEqual([
      [all[0].id, 1, 500],
      [all[0].id, 2, 'hang'],
      [all[0].id, 3, 503],
      [all[0].id, 4, 200],
    ]);
    expect(all[0].attempts).toBe(4);
    const acked = receiver.acknowledged('/hooks/unodc');
    expect([...acked.keys()]).toEqual(all.map((d) => d.id));
    for (const [, bodies] of acked) expect(bodies).toHaveLength(1);
    const bodies = [...acked.values()].map(([r]) => r);
    // Standard Webhooks headers, verified with the secret shown at registration; the webhook-id is the delivery id
    // on every attempt; the old X-CTP-Signature / X-CTP-Timestamp are gone.
    for (const r of requests) {
      expect(verifies(r, flakySecret)).toBe(true);
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(r.ctpDeliveryId).toBe(r.deliveryId);
      expect(r.headers['x-ctp-signature']).toBeUndefined();
      expect(r.headers['x-ctp-timestamp']).toBeUndefined();
    }
    expect(verifies({ ...bodies[0], raw: bodies[0].raw.replace('alpha', 'alphb') }, flakySecret)).toBe(false);
    expect(verifies(bodies[0], downSecret)).toBe(false);
    // Each body is the feed item, byte for byte the same JSON shape as the pull feed.
    expect(bodies.map((r) => JSON.parse(r.raw) as FeedItem)).toEqual(feed);
    expect(bodies.map((r) => Object.keys(JSON.parse(r.raw) as object))).toEqual(
      feed.map(() => ['seq', 'kind', 'initiativeId', 'version', 'payload', 'createdAt']),
    );
    const alphaVersions = bodies
      .map((r) => JSON.parse(r.raw) as FeedItem)
      .filter((i) => i.initiativeId === `${AFR}-alpha`)
      .map((i) => i.version);
    expect(alphaVersions).toEqual([1, 2, 3]);
  });

  it('never sends restricted content: a record made restricted is retracted by webhook, without its new content', async () => {
    // Its version 1, still waiting to be sent when the record was made restricted, is withheld from both partners.
    for (const ref of ['PT-UNODC', 'PT-AFRIPOL']) {
      const withheld = await waitFor(`${ref}'s delivery of turned v1 to be withheld`, async () => {
        const list = (await deliveries(ref)).filter((d) => d.status === 'WITHHELD');
        return list.length > 0 ? list : undefined;
      });
      expect(withheld.map((d) => [label(d), d.attempts])).toEqual([['INITIATIVE:turned@1', 0]]);
      const lines = (await readAudit(liaison, `/audit?partner=${ref}`)).filter((l) => l.deliveryId === withheld[0].id);
      expect(lines.map((l) => [l.channel, l.action, l.outcome])).toEqual([
        ['WEBHOOK', 'DELIVERY_WITHHELD', 'WITHHELD'],
      ]);
    }
    const raw = receiver.received.map((r) => r.raw).join('\n');
    expect(raw).not.toContain(`${AFR}-secret`);
    expect(raw).not.toContain(SECRET_TITLE);
    expect(raw).not.toContain(SECRET_UPDATE_TITLE);
    expect(raw).not.toContain('Harmattan');
    expect(raw).not.toContain('Course turned v1');
    const retraction = receiver.received
      .map((r) => JSON.parse(r.raw) as FeedItem)
      .find((i) => i.initiativeId === `${AFR}-turned` && i.kind === 'RETRACTION');
    expect(retraction).toMatchObject({ version: 2, payload: { reason: 'RESTRICTED' } });
    expect(Object.keys(retraction!.payload)).toEqual(['reason']);
    const audit = JSON.stringify(await readAudit(liaison, '/audit'));
    expect(audit).not.toContain(SECRET_TITLE);
    expect(audit).not.toContain(`${AFR}-secret`);
  });

  it(`marks a delivery DEAD after ${MAX_ATTEMPTS} failed attempts, one partner's deliveries strictly one at a time`, async () => {
    const feed = feedOf['PT-AFRIPOL'];
    expect(feed.map(label)).toEqual(feedOf['PT-UNODC'].map(label));
    const settled = await waitFor(
      'every AFRIPOL delivery to be DEAD (or WITHHELD)',
      async () => {
        const list = await deliveries('PT-AFRIPOL');
        return list.length === 6 && list.every((d) => d.status !== 'PENDING') ? list : undefined;
      },
      30_000,
    );
    // Every one DEAD, but for turned v1's, withheld (its record was made restricted while it waited) and never sent.
    expect(settled.filter((d) => d.status !== 'DEAD').map((d) => [label(d), d.status])).toEqual([
      ['INITIATIVE:turned@1', 'WITHHELD'],
    ]);
    const dead = settled.filter((d) => d.status === 'DEAD');
    expect(dead.map((d) => d.seq)).toEqual(feed.map((i) => i.seq));
    for (const d of dead) {
      expect(d.attempts).toBe(MAX_ATTEMPTS);
      expect(d.lastError).toMatch(/^HTTP 500/);
    }
    expect((await deliveries('PT-AFRIPOL', 'DEAD')).map((d) => d.id)).toEqual(dead.map((d) => d.id));
    expect(await deliveries('PT-AFRIPOL', 'PENDING')).toEqual([]);
    // Never interleaved: all attempts of the first delivery, then all of the second, and so on, in seq order.
    const requests = receiver.received.filter((r) => r.path === '/hooks/afripol');
    expect(requests.map((r) => [r.deliveryId, r.attempt])).toEqual(
      dead.flatMap((d) => Array.from({ length: MAX_ATTEMPTS }, (_, i) => [d.id, i + 1])),
    );
    for (const r of requests) expect(verifies(r, downSecret)).toBe(true);
  });

  it('re-sends a DEAD delivery on request, and refuses to re-send one that is PENDING or WITHHELD', async () => {
    const dead = await deliveries('PT-AFRIPOL', 'DEAD');
    const [withheld] = await deliveries('PT-AFRIPOL', 'WITHHELD');
    const seenBefore = receiver.received.length;
    // The withheld one is about a record no longer shareable: 410, and nothing is sent.
    expect((await postJson(liaison, `/partners/PT-AFRIPOL/deliveries/${withheld.id}/resend`)).status).toBe(410);
    receiver.behave('/hooks/afripol', () => 204);
    expect((await postJson(liaison, `/partners/PT-AFRIPOL/deliveries/${dead[0].id}/resend`)).status).toBe(200);
    await waitFor('the first re-sent delivery to be DELIVERED', async () =>
      (await deliveries('PT-AFRIPOL')).find((d) => d.id === dead[0].id && d.status === 'DELIVERED'),
    );
    // Hold the receiver so the next re-sent one stays PENDING long enough to be refused a second re-send.
    receiver.behave('/hooks/afripol', () => 'hang');
    const second = await postJson<{ status: string; attempts: number }>(
      liaison,
      `/partners/PT-AFRIPOL/deliveries/${dead[1].id}/resend`,
    );
    expect(second.body).toMatchObject({ status: 'PENDING', attempts: 0 });
    const again = await postJson<{ statusCode: number }>(
      liaison,
      `/partners/PT-AFRIPOL/deliveries/${dead[1].id}/resend`,
    );
    expect(again.status).toBe(409);
    receiver.behave('/hooks/afripol', () => 200);
    for (const d of dead.slice(2)) {
      expect((await postJson(liaison, `/partners/PT-AFRIPOL/deliveries/${d.id}/resend`)).status).toBe(200);
    }
    await waitFor('every re-sent delivery to be DELIVERED', async () => {
      const list = await deliveries('PT-AFRIPOL');
      return list.every((d) => d.status === 'DELIVERED' || d.id === withheld.id) || undefined;
    });
    expect((await deliveries('PT-AFRIPOL', 'WITHHELD')).map((d) => d.id)).toEqual([withheld.id]);
    expect(receiver.received.slice(seenBefore).some((r) => r.deliveryId === withheld.id)).toBe(false);
    const acked = receiver.acknowledged('/hooks/afripol');
    expect([...acked.keys()].sort()).toEqual(dead.map((d) => d.id).sort());
    for (const [, bodies] of acked) expect(bodies).toHaveLength(1);
    expect([...acked.values()].map(([r]) => JSON.parse(r.raw) as FeedItem)).toEqual(feedOf['PT-AFRIPOL']);

    expect((await postJson(liaison, '/partners/PT-AFRIPOL/deliveries/not-a-uuid/resend')).status).toBe(404);
    expect(
      (await postJson(liaison, '/partners/PT-AFRIPOL/deliveries/00000000-0000-4000-8000-000000000000/resend')).status,
    ).toBe(404);
    expect((await postJson(liaison, `/partners/PT-UNODC/deliveries/${dead[0].id}/resend`)).status).toBe(404);
    expect((await postJson(liaison, `/partners/PT-NOBODY/deliveries/${dead[0].id}/resend`)).status).toBe(404);
  });

  it('audits every delivery attempt the receivers saw, with its outcome, and every re-send', async () => {
    const webhookLines = async (ref: string) =>
      (await readAudit(liaison, `/audit?partner=${ref}`)).filter((l) => l.channel === 'WEBHOOK');
    // Each request a receiver got is one audited attempt (the hung one included, as FAILED with a timeout).
    for (const [ref, path] of [
      ['PT-UNODC', '/hooks/unodc'],
      ['PT-AFRIPOL', '/hooks/afripol'],
    ]) {
      const lines = await waitFor(`${ref}'s audit to catch up`, async () => {
        const l = (await webhookLines(ref)).filter((x) => x.action === 'DELIVERY_ATTEMPT');
        return l.length === receiver.received.filter((r) => r.path === path).length ? l : undefined;
      });
      const attempts = (l: { deliveryId: string | null; attempt: number | null }[]) =>
        l.map((x) => `${x.deliveryId}#${x.attempt}`).sort();
      expect(attempts(lines)).toEqual(attempts(receiver.received.filter((r) => r.path === path)));
      for (const line of lines) {
        const request = receiver.received.find((r) => r.deliveryId === line.deliveryId && r.attempt === line.attempt)!;
        const sent = JSON.parse(request.raw) as FeedItem;
        expect(line.entries).toEqual([
          { seq: sent.seq, kind: sent.kind, initiativeId: sent.initiativeId, version: sent.version },
        ]);
        expect(line.partnerRef).toBe(ref);
      }
    }
    const firstUnodc = receiver.received.find((r) => r.path === '/hooks/unodc')!;
    const unodc = (await webhookLines('PT-UNODC')).filter((l) => l.deliveryId === firstUnodc.deliveryId);
    expect(unodc.map((l) => [l.attempt, l.outcome, l.httpStatus])).toEqual([
      [1, 'FAILED', 500],
      [2, 'FAILED', null],
      [3, 'FAILED', 503],
      [4, 'DELIVERED', 200],
    ]);
    expect(unodc[1].error).toMatch(new RegExp(`no answer within ${TIMEOUT_MS} ms`));

    const afripol = await webhookLines('PT-AFRIPOL');
    const first = afripol.filter((l) => l.deliveryId === afripol[0].deliveryId);
    expect(first.map((l) => [l.action, l.attempt, l.outcome])).toEqual([
      ['DELIVERY_ATTEMPT', 1, 'FAILED'],
      ['DELIVERY_ATTEMPT', 2, 'FAILED'],
      ['DELIVERY_ATTEMPT', 3, 'FAILED'],
      ['DELIVERY_ATTEMPT', 4, 'DEAD'],
      ['RESEND', null, 'REQUEUED'],
      ['DELIVERY_ATTEMPT', 1, 'DELIVERED'],
    ]);
    expect(afripol.filter((l) => l.action === 'RESEND')).toHaveLength(5);

    // By initiative: every channel's lines about one record, for one partner or all.
    const alpha: AuditLine[] = await readAudit(liaison, `/audit?initiativeId=${AFR}-alpha`);
    expect(new Set(alpha.map((l) => l.partnerRef))).toEqual(new Set(['PT-UNODC', 'PT-AFRIPOL']));
    for (const l of alpha) expect(l.entries.some((e) => e.initiativeId === `${AFR}-alpha`)).toBe(true);
    const alphaDelivered = alpha.filter((l) => l.partnerRef === 'PT-UNODC' && l.outcome === 'DELIVERED');
    expect(alphaDelivered.map((l) => l.entries[0].version)).toEqual([1, 2, 3]);
    const own = await readAudit(liaison, `/partners/PT-UNODC/audit?initiativeId=${AFR}-alpha`);
    expect(own.every((l) => l.partnerRef === 'PT-UNODC')).toBe(true);
  });
});
