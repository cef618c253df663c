import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { JetStreamNames } from '@ctp/contracts';
import { TestDatabase } from '../support/databases';
import { call, initiativeBody } from '../support/hub-fixtures';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

interface Case {
  name: string;
  method: 'POST' | 'PUT';
  path: string;
  body: unknown;
  headers?: Record<string, string>;
  status: number;
  field: string;
  rule: string;
}

const BASE = 'IP-HUB-AFR-base';
const later = (s: Record<string, unknown>) => ({ ...initiativeBody(), ...s });

/** Every rule the hub enforces, each with the error a hub engineer gets, and the guarantee that nothing leaks out. */
describe('hub REST API', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  let hub: ServiceProcess;
  const db = TestDatabase.fresh('hubapi');

  const counts = async () =>
    (
      await db.query<{ initiatives: number; events: number }>(
        `SELECT (SELECT count(*)::int FROM initiatives) AS initiatives, (SELECT count(*)::int FROM outbox_events) AS events`,
      )
    )[0];

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    hub = new ServiceProcess(
      'hub',
      { HUB_REGION: 'afr', PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: db.url },
      'hub-afr',
    );
    await hub.start();
    expect((await call(hub.baseUrl, 'POST', '/initiatives', initiativeBody({ localId: 'base' }))).status).toBe(201);
    const withdrawn = await call(hub.baseUrl, 'POST', '/initiatives', initiativeBody({ localId: 'gone' }));
    expect(withdrawn.status).toBe(201);
    expect(
      (await call(hub.baseUrl, 'POST', '/initiatives/IP-HUB-AFR-gone/withdraw', { reason: 'reported twice' })).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await hub?.stop();
    await publisher?.close();
    await nats?.stop();
    await db.drop();
  });

  const cases: Case[] = [
    {
      name: 'a body that is not JSON',
      method: 'POST',
      path: '/initiatives',
      body: '{"kind": "TRN",',
      status: 400,
      field: 'body',
      rule: 'isJson',
    },
    {
      name: 'an unknown enum value',
      method: 'POST',
      path: '/initiatives',
      body: later({ kind: 'WORKSHOP' }),
      status: 400,
      field: 'kind',
      rule: 'isIn',
    },
    {
      name: 'an unknown language',
      method: 'POST',
      path: '/initiatives',
      body: later({ title: { lang: 'de', text: 'Schulung' } }),
      status: 400,
      field: 'title.lang',
      rule: 'isIn',
    },
    {
      name: 'a missing required field',
      method: 'POST',
      path: '/initiatives',
      body: later({ scope: undefined }),
      status: 400,
      field: 'scope',
      rule: 'isIn',
    },
    {
      name: 'a field the contract does not have',
      method: 'POST',
      path: '/initiatives',
      body: later({ budget: 1000 }),
      status: 400,
      field: 'budget',
      rule: 'whitelistValidation',
    },
    {
      name: 'setting the id or version oneself',
      method: 'POST',
      path: '/initiatives',
      body: later({ version: 7 }),
      status: 400,
      field: 'version',
      rule: 'whitelistValidation',
    },
    {
      name: 'a lower-case code name',
      method: 'POST',
      path: '/initiatives',
      body: later({ codeName: 'trigger' }),
      status: 400,
      field: 'codeName',
      rule: 'matches',
    },
    {
      name: 'a bad localId',
      method: 'POST',
      path: '/initiatives',
      body: later({ localId: 'has spaces' }),
      status: 400,
      field: 'localId',
      rule: 'matches',
    },
    {
      name: 'a bad country code',
      method: 'POST',
      path: '/initiatives',
      body: later({ recipientCountries: ['FR', 'XX'] }),
      status: 422,
      field: 'recipientCountries[1]',
      rule: 'isoCountry',
    },
    {
      name: 'a repeated country',
      method: 'POST',
      path: '/initiatives',
      body: later({ recipientCountries: ['FR', 'FR'] }),
      status: 422,
      field: 'recipientCountries[1]',
      rule: 'noRepeats',
    },
    {
      name: 'GLOBAL with countries',
      method: 'POST',
      path: '/initiatives',
      body: later({ scope: 'GLOBAL' }),
      status: 422,
      field: 'recipientCountries',
      rule: 'globalHasNoCountries',
    },
    {
      name: 'planned dates out of order',
      method: 'POST',
      path: '/initiatives',
      body: later({ dates: { plannedStart: '2027-03-05', plannedEnd: '2027-03-01' } }),
      status: 422,
      field: 'dates.plannedEnd',
      rule: 'plannedOrder',
    },
    {
      name: 'a date that does not exist',
      method: 'POST',
      path: '/initiatives',
      body: later({ dates: { plannedStart: '2027-02-30', plannedEnd: '2027-03-01' } }),
      status: 422,
      field: 'dates.plannedStart',
      rule: 'isoDate',
    },
    {
      name: 'an actual date in the future',
      method: 'POST',
      path: '/initiatives',
      body: later({
        status: 'IMPLEMENTATION',
        dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05', actualStart: '2099-03-01' },
      }),
      status: 422,
      field: 'dates.actualStart',
      rule: 'notAfterReport',
    },
    {
      name: 'IMPLEMENTATION without an actual start',
      method: 'POST',
      path: '/initiatives',
      body: later({ status: 'IMPLEMENTATION' }),
      status: 422,
      field: 'dates.actualStart',
      rule: 'actualStartRequired',
    },
    {
      name: 'CLOSED without an actual end',
      method: 'POST',
      path: '/initiatives',
      body: later({
        status: 'CLOSED',
        dates: { plannedStart: '2020-03-01', plannedEnd: '2020-03-05', actualStart: '2020-03-01' },
      }),
      status: 422,
      field: 'dates.actualEnd',
      rule: 'actualEndRequired',
    },
    {
      name: 'PIPELINE with an actual start',
      method: 'POST',
      path: '/initiatives',
      body: later({ dates: { plannedStart: '2020-03-01', plannedEnd: '2020-03-05', actualStart: '2020-03-01' } }),
      status: 422,
      field: 'dates.actualStart',
      rule: 'noActualStartInPipeline',
    },
    {
      name: 'an id already reported',
      method: 'POST',
      path: '/initiatives',
      body: later({ localId: 'base' }),
      status: 409,
      field: 'localId',
      rule: 'unique',
    },
    {
      name: 'a forbidden status transition',
      method: 'PUT',
      path: `/initiatives/${BASE}`,
      headers: { 'If-Match': '"1"' },
      body: later({
        status: 'CLOSED',
        dates: {
          plannedStart: '2020-03-01',
          plannedEnd: '2020-03-05',
          actualStart: '2020-03-01',
          actualEnd: '2020-03-05',
        },
      }),
      status: 422,
      field: 'status',
      rule: 'allowedTransition',
    },
    {
      name: 'a stale If-Match',
      method: 'PUT',
      path: `/initiatives/${BASE}`,
      headers: { 'If-Match': '"7"' },
      body: later({ description: 'x' }),
      status: 412,
      field: 'If-Match',
      rule: 'currentVersion',
    },
    {
      name: 'no If-Match',
      method: 'PUT',
      path: `/initiatives/${BASE}`,
      body: later({ description: 'x' }),
      status: 428,
      field: 'If-Match',
      rule: 'required',
    },
    {
      name: "someone else's id prefix",
      method: 'PUT',
      path: '/initiatives/IP-HUB-EUR-base',
      headers: { 'If-Match': '"1"' },
      body: later({ description: 'x' }),
      status: 403,
      field: 'initiativeId',
      rule: 'ownPrefix',
    },
    {
      name: 'a change to a withdrawn record',
      method: 'PUT',
      path: '/initiatives/IP-HUB-AFR-gone',
      headers: { 'If-Match': '"2"' },
      body: later({ description: 'x' }),
      status: 409,
      field: 'initiativeId',
      rule: 'notWithdrawn',
    },
    {
      name: 'withdrawing twice',
      method: 'POST',
      path: '/initiatives/IP-HUB-AFR-gone/withdraw',
      body: { reason: 'again' },
      status: 409,
      field: 'initiativeId',
      rule: 'notWithdrawn',
    },
    {
      name: 'withdrawing without a reason',
      method: 'POST',
      path: `/initiatives/${BASE}/withdraw`,
      body: {},
      status: 400,
      field: 'reason',
      rule: 'isNotEmpty',
    },
  ];

  it.each(cases)('refuses $name with $status naming $field ($rule), storing and publishing nothing', async (c) => {
    const before = await counts();
    const res = await call<{ statusCode: number; message: string; details: { field: string; rule: string }[] }>(
      hub.baseUrl,
      c.method,
      c.path,
      c.body,
      c.headers,
    );
    expect(res.status).toBe(c.status);
    expect(res.body.statusCode).toBe(c.status);
    expect(res.body.message.length).toBeGreaterThan(5);
    expect(res.body.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: c.field, rule: c.rule })]),
    );
    expect(await counts()).toEqual(before);
  });

  it('accepts a valid replacement, versions it, and publishes exactly one updated event', async () => {
    const before = await counts();
    const res = await call<{ version: number; status: string }>(
      hub.baseUrl,
      'PUT',
      `/initiatives/${BASE}`,
      later({
        status: 'IMPLEMENTATION',
        dates: { plannedStart: '2026-01-01', plannedEnd: '2026-02-01', actualStart: '2026-01-05' },
      }),
      { 'If-Match': '"1"' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, status: 'IMPLEMENTATION' });
    expect(res.headers.get('etag')).toBe('"2"');
    expect(await counts()).toEqual({ initiatives: before.initiatives, events: before.events + 1 });
  });

  it('treats a replacement that changes nothing as a no-op: same version, no event', async () => {
    const current = await call<Record<string, unknown>>(hub.baseUrl, 'GET', `/initiatives/${BASE}`);
    const { initiativeId: _i, reportingOrg: _r, version, lastUpdatedAt, ...content } = current.body;
    const before = await counts();
    // Same content, keys in another order.
    const reordered = Object.fromEntries(Object.entries(content).reverse());
    const res = await call<{ version: number; lastUpdatedAt: string }>(
      hub.baseUrl,
      'PUT',
      `/initiatives/${BASE}`,
      reordered,
      {
        'If-Match': `"${String(version)}"`,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(version);
    expect(res.body.lastUpdatedAt).toBe(lastUpdatedAt);
    expect(await counts()).toEqual(before);
  });

  it('lets exactly one of several concurrent updates on the same version win', async () => {
    await call(hub.baseUrl, 'POST', '/initiatives', initiativeBody({ localId: 'race' }));
    const before = await counts();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(hub.baseUrl, 'PUT', '/initiatives/IP-HUB-AFR-race', later({ description: `writer ${i}` }), {
          'If-Match': '"1"',
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
    expect(await counts()).toEqual({ initiatives: before.initiatives, events: before.events + 1 });
    const stored = await call<{ version: number }>(hub.baseUrl, 'GET', '/initiatives/IP-HUB-AFR-race');
    expect(stored.body.version).toBe(2);
  });

  it('answers a retried POST with the same Idempotency-Key with the first result, even concurrently', async () => {
    const before = await counts();
    const body = initiativeBody({ title: { lang: 'es', text: 'Reintentado por un enlace inestable' } });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        call<{ initiativeId: string }>(hub.baseUrl, 'POST', '/initiatives', body, { 'Idempotency-Key': 'retry-42' }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.initiativeId)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    expect(await counts()).toEqual({ initiatives: before.initiatives + 1, events: before.events + 1 });
    const reused = await call(hub.baseUrl, 'POST', '/initiatives', initiativeBody(), { 'Idempotency-Key': 'retry-42' });
    expect(reused.status).toBe(422);
  });

  describe('what you GET you can PUT back (#17)', () => {
    type Answer = { statusCode: number; message: string; details: { field: string; rule: string; message: string }[] };
    const ID = 'IP-HUB-AFR-roundtrip';
    const read = async () => {
      const res = await call<Record<string, unknown>>(hub.baseUrl, 'GET', `/initiatives/${ID}`);
      expect(res.status).toBe(200);
      return { body: res.body, etag: res.headers.get('etag')! };
    };
    const retitled = (body: Record<string, unknown>, text: string) => ({ ...body, title: { lang: 'fr', text } });

    beforeAll(async () => {
      expect((await call(hub.baseUrl, 'POST', '/initiatives', initiativeBody({ localId: 'roundtrip' }))).status).toBe(
        201,
      );
    });

    it('takes the representation GET returned, its title edited: 200, version + 1, one updated event', async () => {
      const { body, etag } = await read();
      expect(Object.keys(body)).toEqual(
        expect.arrayContaining(['initiativeId', 'reportingOrg', 'version', 'lastUpdatedAt']),
      );
      const before = await counts();
      const res = await call<Record<string, unknown>>(
        hub.baseUrl,
        'PUT',
        `/initiatives/${ID}`,
        retitled(body, 'Formation régionale sur les combattants terroristes étrangers, deuxième session'),
        { 'If-Match': etag },
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        initiativeId: ID,
        reportingOrg: body.reportingOrg,
        version: (body.version as number) + 1,
        title: { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers, deuxième session' },
      });
      expect(res.body.lastUpdatedAt).not.toBe(body.lastUpdatedAt);
      expect(res.headers.get('etag')).toBe(`"${(body.version as number) + 1}"`);
      expect(await counts()).toEqual({ initiatives: before.initiatives, events: before.events + 1 });
      const [event] = await db.query<{ type: string; version: number }>(
        `SELECT payload::jsonb->>'type' AS type, (payload::jsonb->'data'->>'version')::int AS version
           FROM outbox_events ORDER BY id DESC LIMIT 1`,
      );
      expect(event).toEqual({ type: 'ctp.initiative.updated.v1', version: (body.version as number) + 1 });
    });

    it('takes it with the localId it was reported with, and as a no-op when nothing was edited', async () => {
      const { body, etag } = await read();
      const before = await counts();
      const same = await call<Record<string, unknown>>(
        hub.baseUrl,
        'PUT',
        `/initiatives/${ID}`,
        { ...body, localId: 'roundtrip' },
        { 'If-Match': etag },
      );
      expect(same.status).toBe(200);
      expect(same.body).toEqual(body);
      expect(await counts()).toEqual(before);
    });

    it.each<[string, Record<string, unknown>, string, string]>([
      ['an initiativeId of another record', { initiativeId: 'IP-HUB-AFR-base' }, 'initiativeId', 'matchesPath'],
      ['a localId of another record', { localId: 'base' }, 'localId', 'matchesPath'],
      [
        'a reportingOrg of another organisation',
        { reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false } },
        'reportingOrg.ref',
        'sameAsRecord',
      ],
      [
        'a withdrawal',
        { withdrawal: { reason: 'reported twice', withdrawnAt: '2026-01-01T00:00:00.000Z' } },
        'withdrawal',
        'setByWithdraw',
      ],
    ])('refuses %s (%j) with 409 naming %s (%s), storing and publishing nothing', async (_name, over, field, rule) => {
      const { body, etag } = await read();
      const before = await counts();
      const res = await call<Answer>(
        hub.baseUrl,
        'PUT',
        `/initiatives/${ID}`,
        retitled({ ...body, ...over }, 'x y z'),
        {
          'If-Match': etag,
        },
      );
      expect(res.status).toBe(409);
      expect(res.body.statusCode).toBe(409);
      expect(res.body.details).toEqual([expect.objectContaining({ field, rule })]);
      expect(res.body.message).toContain(field);
      expect(await counts()).toEqual(before);
      expect((await read()).body).toEqual(body);
    });

    it('refuses a body read at another version than If-Match says with 412 naming version (matchesIfMatch)', async () => {
      const { body, etag } = await read();
      const before = await counts();
      const res = await call<Answer>(
        hub.baseUrl,
        'PUT',
        `/initiatives/${ID}`,
        retitled({ ...body, version: (body.version as number) - 1 }, 'stale copy'),
        { 'If-Match': etag },
      );
      expect(res.status).toBe(412);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'version', rule: 'matchesIfMatch' })]);
      expect(await counts()).toEqual(before);
    });

    it('still answers a stale If-Match with 412 (If-Match), even when the body carries the same stale version', async () => {
      const { body } = await read();
      const stale = { ...body, version: (body.version as number) - 1 };
      const res = await call<Answer>(hub.baseUrl, 'PUT', `/initiatives/${ID}`, retitled(stale, 'stale copy'), {
        'If-Match': `"${(body.version as number) - 1}"`,
      });
      expect(res.status).toBe(412);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'If-Match', rule: 'currentVersion' })]);
    });

    it.each<[string, Record<string, unknown>, string, string]>([
      ['an unknown field next to the representation', { budget: 1000 }, 'budget', 'whitelistValidation'],
      ['a version that is not a number', { version: 'latest' }, 'version', 'isInt'],
      ['a lastUpdatedAt that is not a date-time', { lastUpdatedAt: 'now' }, 'lastUpdatedAt', 'isDateTime'],
      [
        'a reportingOrg with a field it does not have',
        { reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false, name: 'Nairobi' } },
        'reportingOrg.name',
        'whitelistValidation',
      ],
    ])('refuses %s (%j) with 400 naming %s (%s)', async (_name, over, field, rule) => {
      const { body, etag } = await read();
      const before = await counts();
      const res = await call<Answer>(
        hub.baseUrl,
        'PUT',
        `/initiatives/${ID}`,
        { ...body, ...over },
        {
          'If-Match': etag,
        },
      );
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field, rule })]);
      expect(await counts()).toEqual(before);
    });

    it('keeps If-Match required (428) and POST strict: a report carrying server-managed fields is still 400', async () => {
      const { body } = await read();
      const noIfMatch = await call<Answer>(hub.baseUrl, 'PUT', `/initiatives/${ID}`, body);
      expect(noIfMatch.status).toBe(428);
      const { reportingOrg: _r, version: _v, lastUpdatedAt: _l, ...content } = body;
      const report = await call<Answer>(hub.baseUrl, 'POST', '/initiatives', {
        ...content,
        initiativeId: 'IP-HUB-AFR-new-one',
      });
      expect(report.status).toBe(400);
      expect(report.body.details).toEqual([
        expect.objectContaining({ field: 'initiativeId', rule: 'whitelistValidation' }),
      ]);
    });

    it('documents the PUT body in OpenAPI: the content and each server-managed field with its rule', async () => {
      const docs = await call<{
        paths: Record<
          string,
          { put?: { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } } }
        >;
      }>(hub.baseUrl, 'GET', '/docs-json');
      const schema = docs.body.paths['/initiatives/{initiativeId}'].put!.requestBody.content['application/json']
        .schema as { properties: Record<string, { description?: string }>; additionalProperties: boolean };
      expect(schema.additionalProperties).toBe(false);
      expect(Object.keys(schema.properties)).toEqual(
        expect.arrayContaining([
          'initiativeId',
          'localId',
          'reportingOrg',
          'version',
          'lastUpdatedAt',
          'title',
          'withdrawal',
        ]),
      );
      expect(schema.properties.initiativeId.description).toMatch(/ignored when equal .* 409/);
      expect(schema.properties.version.description).toMatch(/ignored when equal to the If-Match version; 412/);
      expect(schema.properties.lastUpdatedAt.description).toMatch(/ignored whatever its value/);
    });
  });

  it('lists with filters and a cursor, and counts live records in its rollup', async () => {
    for (let i = 0; i < 5; i++) {
      await call(
        hub.baseUrl,
        'POST',
        '/initiatives',
        initiativeBody({
          localId: `list-${i}`,
          recipientCountries: ['KE'],
          actionStreams: { primary: 'FINANCING', secondary: [] },
        }),
      );
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call<{ items: { initiativeId: string }[]; nextCursor?: string }>(
        hub.baseUrl,
        'GET',
        `/initiatives?country=KE&primaryActionStream=FINANCING&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i) => i.initiativeId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => `IP-HUB-AFR-list-${i}`));
    const rollup = await call<{
      rows: { primaryActionStream: string; status: string; count: number }[];
      total: number;
    }>(hub.baseUrl, 'GET', '/rollup');
    expect(rollup.body.rows).toContainEqual({ primaryActionStream: 'FINANCING', status: 'PIPELINE', count: 5 });
    const [{ live }] = await db.query<{ live: number }>(
      `SELECT count(*)::int AS live FROM initiatives WHERE NOT withdrawn`,
    );
    expect(rollup.body.total).toBe(live);
    const withWithdrawn = await call<{ items: unknown[] }>(
      hub.baseUrl,
      'GET',
      '/initiatives?includeWithdrawn=true&limit=500',
    );
    const withoutWithdrawn = await call<{ items: unknown[] }>(hub.baseUrl, 'GET', '/initiatives?limit=500');
    expect(withWithdrawn.body.items.length).toBe(withoutWithdrawn.body.items.length + 1);
  });

  it('puts on the wire one valid CloudEvent per accepted change, matching the published JSON Schema', async () => {
    const [{ events }] = await db.query<{ events: number }>(`SELECT count(*)::int AS events FROM outbox_events`);
    await waitFor(
      'the outbox to drain',
      async () =>
        (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL`))[0].n ===
        0,
    );
    const info = await publisher.jsm.streams.info(JetStreamNames.eventsStream);
    expect(info.state.messages).toBe(events);
    const schema = JSON.parse(
      readFileSync(join(__dirname, '../../libs/contracts/schema/ctp-initiative-event.v1.schema.json'), 'utf8'),
    );
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const versions = new Map<string, number[]>();
    for (let seq = 1; seq <= info.state.messages; seq++) {
      const m = (await publisher.jsm.streams.getMessage(JetStreamNames.eventsStream, { seq }))!;
      const e = m.json<{ source: string; subject: string; type: string; data: { version: number } }>();
      expect(validate(e) ? [] : validate.errors).toEqual([]);
      expect(e.source).toBe('/ctp/hubs/afr');
      expect(m.subject).toBe(`ctp.hub.afr.initiative.${e.type.split('.')[2]}.v1`);
      versions.set(e.subject, [...(versions.get(e.subject) ?? []), e.data.version]);
    }
    // Versions of each initiative go up by one with every event: no change was published twice or skipped.
    for (const [, vs] of versions) expect(vs).toEqual(vs.map((_, i) => i + 1));
  });
});
