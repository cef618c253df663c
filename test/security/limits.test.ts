import { connect } from '@nats-io/transport-node';
import { NatsConnection } from '@nats-io/nats-core';
import { bearer, tokenFor } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

/*
 * Bounded work per caller (OWASP API4) and who did what, at a hub: rate limits per identity with 429 + Retry-After,
 * security headers, idempotency keys that expire, bounded NATS intake concurrency, and the token's sub/org recorded
 * with every change.
 */
const content = (localId: string) => ({
  localId,
  kind: 'TRN',
  title: { lang: 'en', text: 'Course on border security' },
  actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
  status: 'PIPELINE',
  dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
  scope: 'NATIONAL',
  recipientCountries: ['FR'],
  visibility: 'PARTNER_SHAREABLE',
});

describe('limits and who did it, at a hub', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  const db = TestDatabase.fresh('limits_hub');
  let hub: ServiceProcess;
  const LIMIT = 8;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    hub = new ServiceProcess(
      'hub',
      {
        HUB_REGION: 'eur',
        PORT: String(await freePort()),
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        HTTP_RATE_LIMIT_PER_MINUTE: String(LIMIT),
        INTAKE_MAX_CONCURRENT: '1',
        // No waiting room: what is beyond the one turn is answered 503 at once (the queue: test/hub/intake-burst).
        INTAKE_QUEUE_MAX: '0',
      },
      'limits-hub-eur',
    );
    await hub.start();
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await hub?.stop();
    await nats?.stop();
    await db.drop();
  });

  const post = async (headers: Record<string, string>, body: unknown, extra: Record<string, string> = {}) =>
    fetch(`${hub.baseUrl}/initiatives`, {
      method: 'POST',
      headers: { ...headers, ...extra, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("records the token's sub and org with a change, and sends security headers", async () => {
    const res = await post(
      await bearer('IP-HUB-EUR', 'initiatives:write', { sub: 'eur-registry-system' }),
      content('who-1'),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const rows = await db.query<{ changed_by_sub: string; changed_by_org: string }>(
      `SELECT changed_by_sub, changed_by_org FROM initiatives WHERE initiative_id = 'IP-HUB-EUR-who-1'`,
    );
    expect(rows).toEqual([{ changed_by_sub: 'eur-registry-system', changed_by_org: 'IP-HUB-EUR' }]);
    // Log lines are flushed every 100 ms.
    const logged = await waitFor('the change log line', async () =>
      hub.logLines().find((l) => l.msg === 'initiative reported' && l.initiativeId === 'IP-HUB-EUR-who-1'),
    );
    expect(logged).toMatchObject({ sub: 'eur-registry-system', org: 'IP-HUB-EUR' });
    const request = hub.logLines().find((l) => l.msg === 'http request' && l.method === 'POST' && l.status === 201);
    expect(request).toMatchObject({ sub: 'eur-registry-system', org: 'IP-HUB-EUR' });
  });

  it('answers the (N+1)th request of one identity in a minute with 429 and Retry-After; others and health go on', async () => {
    const heavy = { authorization: `Bearer ${await tokenFor('IP-HUB-EUR', 'initiatives:read', { sub: 'heavy' })}` };
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < LIMIT + 1; i++) {
      const res = await fetch(`${hub.baseUrl}/initiatives?limit=1`, { headers: heavy });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    // The first test's request counted against another identity; this one had LIMIT to spend.
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(200));
    expect(statuses[LIMIT]).toBe(429);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited!.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    const other = await fetch(`${hub.baseUrl}/initiatives?limit=1`, {
      headers: await bearer('IP-HUB-EUR', 'initiatives:read', { sub: 'someone-else' }),
    });
    expect(other.status).toBe(200);
    for (let i = 0; i < LIMIT + 2; i++) expect((await fetch(`${hub.baseUrl}/health/ready`)).status).toBe(200);
  });

  it('forgets an Idempotency-Key after its lifetime: the same key then stands for a new request', async () => {
    const auth = await bearer('IP-HUB-EUR', 'initiatives:write', { sub: 'idem' });
    const key = { 'idempotency-key': 'limits-key-1' };
    expect((await post(auth, content('idem-1'), key)).status).toBe(201);
    expect((await post(auth, content('idem-2'), key)).status).toBe(422); // reused for another body, within its life
    await db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'limits-key-1'`);
    const again = await post(auth, content('idem-2'), key);
    expect(again.status).toBe(201);
    expect(((await again.json()) as { initiativeId: string }).initiativeId).toBe('IP-HUB-EUR-idem-2');
  });

  it('answers NATS intake requests beyond INTAKE_MAX_CONCURRENT with 503 at once, and applies the others', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        nc
          .request(
            'ctp-intake.hub.eur.initiatives.upsert',
            JSON.stringify({ pattern: 'x', id: `r${i}`, data: content(`burst-${i}`) }),
            {
              timeout: 10_000,
            },
          )
          .then((m) => m.json<{ id: string; response?: { status: string }; err?: { statusCode: number } }>()),
      ),
    );
    const busy = replies.filter((r) => r.err?.statusCode === 503);
    const accepted = replies.filter((r) => r.response?.status === 'ACCEPTED');
    expect(busy.length + accepted.length).toBe(20);
    expect(busy.length).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);
    for (const b of busy) expect(b.id).toMatch(/^r\d+$/); // matched to its request by a NestJS client
    const stored = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM initiatives WHERE initiative_id LIKE 'IP-HUB-EUR-burst-%'`,
    );
    expect(Number(stored[0].n)).toBe(accepted.length);
    const actor = await db.query<{ changed_by_sub: string }>(
      `SELECT DISTINCT changed_by_sub FROM initiatives WHERE initiative_id LIKE 'IP-HUB-EUR-burst-%'`,
    );
    expect(actor).toEqual([{ changed_by_sub: 'nats:regional-eur' }]);
  });
});

describe('limits on partner CSV imports', () => {
  let nats: TestNatsServer;
  const db = TestDatabase.fresh('limits_liaison');
  let liaison: ServiceProcess;
  const head =
    'Id,Titre,Langue,Type,Axes,Statut,Pays,Début,Fin,Portée,Visibilité\r\n' +
    '#activity+id,#activity+name,#meta+lang,#activity+type,#sector,#status,#country+code,#date+start,#date+end,#scope,#meta+visibility\r\n';
  const row = (i: number) =>
    `L-${i},Formation ${i},fr,TRN,TRAVEL_MOBILITY,PIPELINE,FR,2027-03-01,2027-03-05,NATIONAL,PARTNER_SHAREABLE\r\n`;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    liaison = new ServiceProcess(
      'partner-liaison',
      { PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: db.url },
      'limits-liaison',
    );
    await liaison.start();
    const res = await fetch(`${liaison.baseUrl}/partners`, {
      method: 'POST',
      headers: { ...(await bearer('IP-GS-CTP', 'partners:admin')), 'content-type': 'application/json' },
      body: JSON.stringify({
        ref: 'PT-UNODC',
        acronym: 'UNODC',
        name: 'UNODC',
        type: 'UN_ENTITY',
        regions: ['EUR'],
        agreement: 'MoU',
      }),
    });
    expect(res.status).toBe(201);
  });

  afterAll(async () => {
    await liaison?.stop();
    await nats?.stop();
    await db.drop();
  });

  const importCsv = async (csv: string) =>
    fetch(`${liaison.baseUrl}/partners/PT-UNODC/initiatives:import`, {
      method: 'POST',
      headers: { ...(await bearer('PT-UNODC', 'partner')), 'content-type': 'text/csv' },
      body: csv,
    });

  const imported = async () =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM partner_initiatives`))[0].n);

  it('refuses a file of more rows than one import may carry, whole: 413 naming the rule, nothing imported', async () => {
    const res = await importCsv(head + Array.from({ length: 2001 }, (_, i) => row(i)).join(''));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ statusCode: 413, details: [{ field: 'body', rule: 'maxRows' }] });
    expect(await imported()).toBe(0);
  });

  it('refuses a file larger than 5 MB: 413 naming the rule, nothing imported', async () => {
    const big = head + row(1).repeat(Math.ceil((5.2 * 1024 * 1024) / row(1).length));
    const res = await importCsv(big);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ statusCode: 413, details: [{ field: 'body', rule: 'maxSize' }] });
    expect(await imported()).toBe(0);
  });

  it('imports a file within the limits', async () => {
    const res = await importCsv(head + row(1) + row(2));
    expect(res.status).toBe(200);
    expect(await imported()).toBe(2);
  });
});
