import fc from 'fast-check';
import { CONTENT_FIELDS } from '@ctp/contracts';
import { tokenFor } from '../support/auth';
import {
  ALL_COUNTRIES,
  defineOwn,
  errorBodyProblem,
  FuzzCluster,
  rawRequest,
  startFuzzCluster,
  validContent,
} from '../support/fuzz-support';
import { waitFor } from '../support/services';

/*
 * What an owner accepts is applied downstream (issue #13), with real services: random valid records (dates at the
 * edges, titles in the four languages with Arabic and combining marks, 1 to 249 countries) reported to a real hub
 * over HTTP are each answered 201 and appear in the platform's registry with the same content (after NFC); random
 * invalid ones are each answered 400 or 422 with details[] and appear nowhere — neither at the hub nor, once a valid
 * record reported after them has arrived (the hub publishes in order), at the platform.
 */

const VALID_RUNS = Number(process.env.FUZZ_DOWNSTREAM_RUNS ?? 40);
const INVALID_RUNS = Number(process.env.FUZZ_DOWNSTREAM_INVALID_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

const nfc = (v: unknown): unknown => JSON.parse(JSON.stringify(v).normalize('NFC')) as unknown;

/** The content fields of a snapshot (what the reporter sent, as stored). */
function contentOf(snapshot: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) if (snapshot[f] !== undefined) out[f] = snapshot[f];
  return out;
}

/** Ways to break a valid content, each a breach of a documented rule of the contract. */
const breakage: fc.Arbitrary<{ what: string; apply: (c: Record<string, unknown>) => void }> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('plannedStart', 'plannedEnd'),
      fc.constantFrom('1989-12-31', '2100-01-01', '0000-01-01', '9999-12-31', '2023-02-29', '2027-02-30', '2027-13-01'),
    )
    .map(([field, date]) => ({
      what: `dates.${field} = ${date}`,
      apply: (c: Record<string, unknown>) => ((c.dates as Record<string, string>)[field] = date),
    })),
  fc
    .tuple(
      fc.constantFrom('title', 'description', 'codeName'),
      fc.constantFrom(
        '\u0000',
        '\u0007',
        '\u001B',
        '\u0085',
        '\uD800',
        '\uDC00',
        '\u202E',
        '\u2066',
        '\uFFFD',
        '\uFFFF',
      ),
    )
    .map(([field, ch]) => ({
      what: `${field} holds U+${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
      apply: (c: Record<string, unknown>) => {
        if (field === 'title') (c.title as Record<string, string>).text += ch;
        else c[field] = `text ${ch}`;
      },
    })),
  fc
    .tuple(fc.constantFrom('', 'title', 'dates', 'actionStreams'), fc.constantFrom('__proto__', 'constructor', 'extra'))
    .map(([where, key]) => ({
      what: `${where || 'root'} has a key ${key}`,
      apply: (c: Record<string, unknown>) =>
        defineOwn((where ? c[where] : c) as Record<string, unknown>, key, { polluted: true }),
    })),
  fc.constantFrom(
    {
      what: 'a lower-case country',
      apply: (c: Record<string, unknown>) => ((c.recipientCountries as string[])[0] = 'fr'),
    },
    {
      what: 'a repeated country',
      apply: (c: Record<string, unknown>) => {
        c.scope = 'REGIONAL';
        c.recipientCountries = ['FR', 'FR'];
      },
    },
    {
      what: 'a span of ten years and a day',
      apply: (c: Record<string, unknown>) => (c.dates = { plannedStart: '2030-01-01', plannedEnd: '2040-01-02' }),
    },
    {
      what: 'GLOBAL with countries',
      apply: (c: Record<string, unknown>) => {
        c.scope = 'GLOBAL';
        c.recipientCountries = ALL_COUNTRIES.slice(0, 3);
      },
    },
    { what: 'no title', apply: (c: Record<string, unknown>) => delete c.title },
    { what: 'kind of a wrong type', apply: (c: Record<string, unknown>) => (c.kind = 7) },
    { what: 'status is an object', apply: (c: Record<string, unknown>) => (c.status = { value: 'PIPELINE' }) },
    {
      what: 'status is an object with a key constructor',
      apply: (c: Record<string, unknown>) => (c.status = { constructor: {} }),
    },
  ),
);

describe('fuzz: what a hub accepts reaches the platform; what it refuses reaches nothing', () => {
  let cluster: FuzzCluster;
  let hubAuth: Record<string, string>;
  let analystAuth: Record<string, string>;
  let n = 0;

  beforeAll(async () => {
    cluster = await startFuzzCluster('fuzz_downstream', false);
    hubAuth = { authorization: `Bearer ${await tokenFor('IP-HUB-EUR', 'initiatives:read initiatives:write')}` };
    analystAuth = { authorization: `Bearer ${await tokenFor('IP-GS-CTP', 'registry:read-restricted')}` };
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const report = (localId: string, content: unknown) =>
    rawRequest(
      cluster.hub.baseUrl,
      'POST',
      '/initiatives',
      { ...hubAuth, 'content-type': 'application/json' },
      JSON.stringify({ localId, ...(content as Record<string, unknown>) }),
    );

  const atPlatform = (initiativeId: string) =>
    rawRequest(cluster.platform.baseUrl, 'GET', `/initiatives/${encodeURIComponent(initiativeId)}`, analystAuth);

  /** Waits until the platform holds `initiativeId` (the only wait: for the bus, never for a duration). */
  const applied = (initiativeId: string) =>
    waitFor(
      `${initiativeId} in the platform's registry`,
      async () => {
        const a = await atPlatform(initiativeId);
        return a.status === 200 ? (a.json as { snapshot: Record<string, unknown>; version: number }) : undefined;
      },
      30_000,
      50,
    );

  it('every valid record is answered 201 and appears in the platform registry with the same content (NFC)', async () => {
    await fc.assert(
      fc.asyncProperty(validContent({ minCountries: 1 }), async (content) => {
        const localId = `ok-${++n}`;
        const answer = await report(localId, content);
        if (answer.status !== 201) throw new Error(`hub answered ${answer.status}: ${answer.text.slice(0, 600)}`);
        const created = answer.json as Record<string, unknown>;
        expect(contentOf(created)).toEqual(nfc(content));
        const seen = await applied(created.initiativeId as string);
        expect(seen.version).toBe(1);
        expect(contentOf(seen.snapshot)).toEqual(nfc(content));
      }),
      { numRuns: VALID_RUNS, seed: SEED },
    );
  });

  it('every invalid record is answered 400 or 422 with details[], and is stored and applied nowhere', async () => {
    const refused: string[] = [];
    await fc.assert(
      fc.asyncProperty(validContent({ maxCountries: 20 }), breakage, async (content, broken) => {
        const localId = `bad-${++n}`;
        const body = JSON.parse(JSON.stringify(content)) as Record<string, unknown>;
        broken.apply(body);
        const answer = await report(localId, body);
        if (answer.status !== 400 && answer.status !== 422) {
          throw new Error(`${broken.what}: hub answered ${answer.status}: ${answer.text.slice(0, 600)}`);
        }
        expect(errorBodyProblem(answer)).toBeUndefined();
        expect((answer.json as { details: unknown[] }).details.length).toBeGreaterThan(0);
        const atHub = await rawRequest(cluster.hub.baseUrl, 'GET', `/initiatives/IP-HUB-EUR-${localId}`, hubAuth);
        expect(atHub.status).toBe(404);
        refused.push(`IP-HUB-EUR-${localId}`);
      }),
      { numRuns: INVALID_RUNS, seed: SEED },
    );
    // A valid record reported after all of them: once it is at the platform, anything published before it would be.
    const marker = await report(
      `marker-${++n}`,
      fc.sample(validContent({ maxCountries: 3 }), { numRuns: 1, seed: 1 })[0],
    );
    expect(marker.status).toBe(201);
    await applied((marker.json as { initiativeId: string }).initiativeId);
    for (const id of refused) expect({ id, status: (await atPlatform(id)).status }).toEqual({ id, status: 404 });
    expect(refused.length).toBe(INVALID_RUNS);
  });
});
