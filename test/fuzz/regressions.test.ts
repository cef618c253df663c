import { brotliCompressSync } from 'node:zlib';
import { tokenFor } from '../support/auth';
import {
  ALL_COUNTRIES,
  errorBodyProblem,
  FuzzCluster,
  rawRequest,
  RawAnswer,
  startFuzzCluster,
} from '../support/fuzz-support';

/*
 * The input cases of issue #13, one named test each, against a real hub, platform and partner-liaison (started once
 * for the file), with real tokens. Each refusal must be a 4xx with the contract's error body naming the field.
 */

const PARTNER = 'PT-FUZZ';

const content = (overrides: Record<string, unknown> = {}) => ({
  kind: 'TRN',
  title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
  actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
  status: 'PIPELINE',
  dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
  scope: 'REGIONAL',
  recipientCountries: ['FR', 'BE'],
  visibility: 'PARTNER_SHAREABLE',
  ...overrides,
});

const CSV_HEADER = [
  'Activity,Title (English),Type,Streams,Status,Countries,From,To,Scope,Shareable',
  '#activity+id,#activity+name+i_en,#activity+type,#sector,#status,#country+code,#date+start,#date+end,#scope,#meta+visibility',
];

interface Details {
  details: { field: string; rule: string }[];
}

const fieldsOf = (a: RawAnswer) => ((a.json as Details | undefined)?.details ?? []).map((d) => d.field);
const rulesOf = (a: RawAnswer, field: RegExp) =>
  ((a.json as Details | undefined)?.details ?? [])
    .filter((d) => field.test(d.field))
    .map((d) => d.rule)
    .sort();

/** A 4xx in `statuses` with the error body; otherwise fails saying what came back. */
function expectRefused(a: RawAnswer, statuses: number[], what = ''): void {
  if (!statuses.includes(a.status)) {
    throw new Error(`${what}: expected ${statuses.join(' or ')}, got ${a.status}: ${a.text.slice(0, 400)}`);
  }
  expect(errorBodyProblem(a)).toBeUndefined();
}

describe('fuzz regressions: the input cases of issue #13', () => {
  let cluster: FuzzCluster;
  let hubAuth: Record<string, string>;
  let platformAuth: Record<string, string>;
  let partnerAuth: Record<string, string>;
  let n = 0;

  const hubPost = (body: string | Buffer, headers: Record<string, string> = {}) =>
    rawRequest(
      cluster.hub.baseUrl,
      'POST',
      '/initiatives',
      { ...hubAuth, 'content-type': 'application/json', ...headers },
      body,
    );
  const partnerPost = (body: string | Buffer, headers: Record<string, string> = {}) =>
    rawRequest(
      cluster.liaison!.baseUrl,
      'POST',
      `/partners/${PARTNER}/initiatives`,
      { ...partnerAuth, 'content-type': 'application/json', ...headers },
      body,
    );
  const hubGet = (path: string) => rawRequest(cluster.hub.baseUrl, 'GET', path, hubAuth);
  const platformGet = (path: string) => rawRequest(cluster.platform.baseUrl, 'GET', path, platformAuth);
  const localId = () => `reg-${++n}`;

  beforeAll(async () => {
    cluster = await startFuzzCluster('fuzz_regressions', true);
    hubAuth = { authorization: `Bearer ${await tokenFor('IP-HUB-EUR', 'initiatives:read initiatives:write')}` };
    platformAuth = { authorization: `Bearer ${await tokenFor('IP-GS-CTP', 'registry:read-restricted ops:read')}` };
    partnerAuth = { authorization: `Bearer ${await tokenFor(PARTNER, 'partner')}` };
    const admin = { authorization: `Bearer ${await tokenFor('IP-GS-CTP', 'partners:admin')}` };
    const registered = await rawRequest(
      cluster.liaison!.baseUrl,
      'POST',
      '/partners',
      { ...admin, 'content-type': 'application/json' },
      JSON.stringify({
        ref: PARTNER,
        acronym: 'FUZZ',
        name: 'Fuzzing partner',
        type: 'REGIONAL_POLICE',
        regions: ['EUR'],
        agreement: 'none',
      }),
    );
    expect(registered.status).toBe(201);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('item 1: planned 0001-01-01 → 9999-12-31 over all 249 countries is refused by the hub with a 4xx naming the dates', async () => {
    const a = await hubPost(
      JSON.stringify({
        localId: localId(),
        ...content({
          dates: { plannedStart: '0001-01-01', plannedEnd: '9999-12-31' },
          scope: 'MULTI_REGIONAL',
          recipientCountries: ALL_COUNTRIES,
        }),
      }),
    );
    expectRefused(a, [400, 422]);
    expect(fieldsOf(a)).toEqual(expect.arrayContaining(['dates.plannedStart', 'dates.plannedEnd']));
  });

  it('item 2: a year-0000 date is refused by the hub over HTTP, naming the field', async () => {
    const a = await hubPost(
      JSON.stringify({
        localId: localId(),
        ...content({ dates: { plannedStart: '0000-01-01', plannedEnd: '2027-03-05' } }),
      }),
    );
    expectRefused(a, [400, 422]);
    expect(fieldsOf(a)).toContain('dates.plannedStart');
  });

  it('item 2: a year-0000 date is refused by partner-liaison over JSON, naming the field', async () => {
    const a = await partnerPost(
      JSON.stringify({
        localId: localId(),
        ...content({ dates: { plannedStart: '2027-03-01', plannedEnd: '0000-12-31' } }),
      }),
    );
    expectRefused(a, [400, 422]);
    expect(fieldsOf(a)).toContain('dates.plannedEnd');
  });

  it('item 2: a year-0000 date in a CSV row is rejected for that row, naming the field and the column', async () => {
    const csv = [
      ...CSV_HEADER,
      'R-0000,Training on border security,TRN,TRAVEL_MOBILITY,PIPELINE,FR,0000-01-01,2027-03-05,REGIONAL,PARTNER_SHAREABLE',
    ].join('\n');
    const a = await rawRequest(
      cluster.liaison!.baseUrl,
      'POST',
      `/partners/${PARTNER}/initiatives:import`,
      { ...partnerAuth, 'content-type': 'text/csv' },
      csv,
    );
    expect(a.status).toBe(200);
    const report = a.json as {
      rejected: number;
      rows: { outcome: string; errors?: { field: string; column?: string }[] }[];
    };
    expect(report.rejected).toBe(1);
    expect(report.rows[0].outcome).toBe('REJECTED');
    expect(report.rows[0].errors?.map((e) => e.field)).toContain('dates.plannedStart');
  });

  it('item 3: a nested __proto__ in title is refused by the hub and by partner-liaison, with the same rule', async () => {
    const body = (id: string) =>
      `{"localId":"${id}","kind":"TRN","title":{"lang":"en","text":"t","__proto__":{"polluted":true}},` +
      `"actionStreams":{"primary":"TRAVEL_MOBILITY","secondary":[]},"status":"PIPELINE",` +
      `"dates":{"plannedStart":"2027-03-01","plannedEnd":"2027-03-05"},"scope":"REGIONAL",` +
      `"recipientCountries":["FR"],"visibility":"PARTNER_SHAREABLE"}`;
    const hub = await hubPost(body(localId()));
    const partner = await partnerPost(body(localId()));
    expectRefused(hub, [400]);
    expectRefused(partner, [400]);
    expect(rulesOf(hub, /^title/)).toEqual(rulesOf(partner, /^title/));
    expect(rulesOf(hub, /^title/).length).toBeGreaterThan(0);
  });

  it('item 4: a NUL in a path answers 400 (hub, platform, partner-liaison)', async () => {
    for (const a of [
      await hubGet('/initiatives/IP-HUB-EUR-a%00b'),
      await platformGet('/initiatives/IP-HUB-EUR-a%00b'),
      await rawRequest(cluster.liaison!.baseUrl, 'GET', `/partners/${PARTNER}/initiatives/a%00b`, partnerAuth),
    ]) {
      expectRefused(a, [400]);
      expect(fieldsOf(a)).toContain('path');
    }
  });

  it('item 4: a NUL in a query (reporter, cluster, cursor) answers 400 naming the parameter', async () => {
    for (const name of ['reporter', 'cluster', 'cursor']) {
      const a = await platformGet(`/initiatives?${name}=a%00b`);
      expectRefused(a, [400]);
      expect(fieldsOf(a)).toContain(name);
    }
    const a = await platformGet('/overlaps?cursor=%00');
    expectRefused(a, [400]);
  });

  it('item 4: a NUL in a text answers 400 naming the field (hub and partner-liaison)', async () => {
    const body = () => JSON.stringify({ localId: localId(), ...content({ title: { lang: 'en', text: 'a\u0000b' } }) });
    for (const a of [await hubPost(body()), await partnerPost(body())]) {
      expectRefused(a, [400]);
      expect(fieldsOf(a)).toContain('title.text');
    }
  });

  it('item 4: a lone surrogate in a text or a query answers 400 naming it', async () => {
    const body = () => JSON.stringify({ localId: localId(), ...content({ description: 'cut \uD800 here' }) });
    for (const a of [await hubPost(body()), await partnerPost(body())]) {
      expectRefused(a, [400]);
      expect(fieldsOf(a)).toContain('description');
    }
    // A lone surrogate cannot be UTF-8: as bytes it is %ED%A0%80 (CESU), or U+FFFD once a decoder replaced it.
    for (const path of ['/initiatives?reporter=%ED%A0%80', '/initiatives?reporter=a%ED%B0%80b']) {
      expectRefused(await platformGet(path), [400], `platform GET ${path}`);
      expectRefused(await hubGet(path.replace('reporter', 'country')), [400], `hub GET ${path}`);
    }
  });

  it('item 4: JSON nested 2,000 levels deep answers 400 (not a RangeError)', async () => {
    const deep = `{"localId":"${localId()}","title":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`;
    for (const a of [
      await hubPost(deep),
      await partnerPost(deep),
      await rawRequest(
        cluster.platform.baseUrl,
        'POST',
        '/overlaps/x/decision',
        { ...(await platformDecider()), 'content-type': 'application/json' },
        `${'['.repeat(2000)}${']'.repeat(2000)}`,
      ),
    ]) {
      expectRefused(a, [400]);
    }
  });

  async function platformDecider() {
    return { authorization: `Bearer ${await tokenFor('IP-GS-CTP', 'overlaps:decide registry:read-restricted')}` };
  }

  it('item 4: a body whose content-encoding gzip/br is not what it says answers 4xx with the error body', async () => {
    const json = JSON.stringify({ localId: localId(), ...content() });
    for (const enc of ['gzip', 'br', 'deflate']) {
      expectRefused(await hubPost(json, { 'content-encoding': enc }), [400, 415]);
      expectRefused(await partnerPost(json, { 'content-encoding': enc }), [400, 415]);
    }
    // …and one that is what it says is read.
    const real = await hubPost(brotliCompressSync(Buffer.from(JSON.stringify({ localId: localId(), ...content() }))), {
      'content-encoding': 'br',
    });
    expect(real.status).toBe(201);
  });

  it('item 4: groupBy=constructor, toString, valueOf, __proto__ answers 400 naming groupBy', async () => {
    for (const v of ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty']) {
      const a = await platformGet(`/rollups?groupBy=${v}`);
      expectRefused(a, [400]);
      expect(fieldsOf(a)).toContain('groupBy');
    }
  });

  it('item 4: repeated query parameters answer 400 naming the parameter', async () => {
    for (const [get, path, name] of [
      [hubGet, '/initiatives?status=PIPELINE&status=PIPELINE', 'status'],
      [hubGet, '/initiatives?limit=5&limit=6', 'limit'],
      [platformGet, '/initiatives?reporter=IP-HUB-EUR&reporter=IP-HUB-AFR', 'reporter'],
      [platformGet, '/rollups?groupBy=region&groupBy=status', 'groupBy'],
      [platformGet, '/overlaps?cursor=a&cursor=b', 'cursor'],
    ] as const) {
      const a = await get(path);
      expectRefused(a, [400]);
      expect(fieldsOf(a)).toContain(name);
    }
  });

  it('item 8: limit=0x10, 1e2 (and -1, 1.5, 99999999999999999999) answer 400 naming limit', async () => {
    for (const v of ['0x10', '1e2', '-1', '1.5', '99999999999999999999', '%2010']) {
      for (const [a, where] of [
        [await hubGet(`/initiatives?limit=${v}`), 'hub'],
        [await platformGet(`/initiatives?limit=${v}`), 'platform'],
      ] as const) {
        expectRefused(a, [400], `${where} GET /initiatives?limit=${v}`);
        expect(fieldsOf(a)).toContain('limit');
      }
    }
  });

  it('item 8: control characters and bidi overrides in a title are refused naming the field (hub and partner-liaison)', async () => {
    for (const text of [
      'bell\u0007',
      'esc\u001B[31m',
      'c1\u0085',
      'tab\there',
      'rlo \u202Eevil',
      'isolate \u2066x\u2069',
    ]) {
      const body = () => JSON.stringify({ localId: localId(), ...content({ title: { lang: 'en', text } }) });
      for (const a of [await hubPost(body()), await partnerPost(body())]) {
        expectRefused(a, [400, 422]);
        expect(fieldsOf(a)).toContain('title.text');
      }
    }
  });

  it('item 8: invalid UTF-8 in a body answers 400 (not silently replaced by U+FFFD)', async () => {
    const json = JSON.stringify({ localId: localId(), ...content({ title: { lang: 'en', text: 'XX' } }) });
    const bytes = Buffer.from(json.replace('XX', 'X\u0001'));
    bytes[bytes.indexOf(0x01)] = 0xff;
    for (const a of [await hubPost(bytes), await partnerPost(bytes)]) {
      expectRefused(a, [400]);
    }
    const lone = Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    expectRefused(await hubPost(lone), [400]);
  });

  it('found by the fuzz: a key "constructor" holding a non-function inside any field answers 400, not 500', async () => {
    for (const raw of [
      { status: { constructor: {} } },
      { actionStreams: { primary: { constructor: 'x' }, secondary: [] } },
      { title: { lang: 'en', text: 't', extra: { constructor: true } } },
      { prototype: { constructor: -1 } },
    ]) {
      const body = () => JSON.stringify({ localId: localId(), ...content(), ...raw });
      expectRefused(await hubPost(body()), [400], `hub POST /initiatives ${JSON.stringify(raw)}`);
      expectRefused(
        await partnerPost(body()),
        [400],
        `partner-liaison POST /partners/${PARTNER}/initiatives ${JSON.stringify(raw)}`,
      );
    }
  });

  it('found by the fuzz: the same key in a body that the global ValidationPipe transforms (POST /partners, overlap decision) answers 400', async () => {
    const admin = { authorization: `Bearer ${await tokenFor('IP-GS-CTP', 'partners:admin')}` };
    for (const extra of [
      { webhook: { constructor: 1 } },
      { status: { constructor: {} } },
      { regions: [{ constructor: 1 }] },
    ]) {
      const partner = await rawRequest(
        cluster.liaison!.baseUrl,
        'POST',
        '/partners',
        { ...admin, 'content-type': 'application/json' },
        JSON.stringify({
          ref: 'PT-CTOR',
          acronym: 'CTOR',
          name: 'x',
          type: 'REGIONAL_POLICE',
          regions: ['EUR'],
          agreement: 'none',
          ...extra,
        }),
      );
      expectRefused(partner, [400], `partner-liaison POST /partners ${JSON.stringify(extra)}`);
    }
    const decision = await rawRequest(
      cluster.platform.baseUrl,
      'POST',
      '/overlaps/00000000-0000-4000-8000-000000000000/decision',
      { ...(await platformDecider()), 'content-type': 'application/json' },
      JSON.stringify({ decision: 'CONFIRMED', note: { constructor: {} } }),
    );
    expectRefused(decision, [400, 404], 'platform POST /overlaps/{id}/decision {"note":{"constructor":{}}}');
  });
});
