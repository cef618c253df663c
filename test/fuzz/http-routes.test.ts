import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { SCOPES } from '@ctp/auth';
import { tokenFor } from '../support/auth';
import {
  anyText,
  errorBodyProblem,
  FuzzCluster,
  logLinesAbout,
  mostlyValidContent,
  PROTOTYPE_KEYS,
  prototypeKeyedContent,
  rawRequest,
  RawAnswer,
  startFuzzCluster,
} from '../support/fuzz-support';
import { ServiceProcess } from '../support/services';

/*
 * A bounded HTTP fuzz of every route of a hub, the platform and partner-liaison (issue #13): the routes are read from
 * each service's own OpenAPI document; each gets bad path parameters, query values, headers and bodies, with a valid
 * token that has every scope (so the input reaches the handler, not the auth guard). Property: no answer is a 5xx
 * (except 503 where the route documents it: readiness says "not ready" with 503 by design), and every 4xx is the
 * contract's error body { statusCode, error, message, details[] }. A second pass without a token expects 401s.
 * Failures are collected for all routes, then reported together with the seed, the shrunk input and the log lines.
 */

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? 25);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const ALL_SCOPES = SCOPES.join(' ');
/** Well-formed values of the path parameters, used when another part of the request is being fuzzed. */
const CLEAN_PARAM: Record<string, string> = {
  ref: 'PT-FUZZ',
  initiativeId: 'IP-HUB-EUR-fuzz-1',
  localId: 'fuzz-1',
  source: '%2Fctp%2Fhubs%2Feur',
  id: '00000000-0000-4000-8000-000000000000',
};
const PARTNER = 'PT-FUZZ';

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string }[];
  responses: Record<string, unknown>;
  secured: boolean;
  access?: { scopes: string[]; owner: string };
}

interface Target {
  name: string;
  service: () => ServiceProcess;
  org: string;
  ops: Operation[];
}

/** Every operation of the service's OpenAPI document. */
function operationsOf(doc: {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  security?: unknown[];
}): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const security = (op.security ?? doc.security ?? []) as unknown[];
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []) as { name: string; in: string }[],
        responses: (op.responses ?? {}) as Record<string, unknown>,
        secured: security.length > 0 || op['x-ctp-access'] !== undefined,
        access: op['x-ctp-access'] as Operation['access'],
      });
    }
  }
  return ops;
}

/** Percent-encodes the UTF-8 of `s` (a lone surrogate becomes U+FFFD's bytes, as any encoder does). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Path or query values, already percent-encoded (raw invalid sequences included on purpose). */
const badValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%00',
    'a%00b',
    '%01',
    '%1B',
    '%1F',
    '%7F',
    '%C2%85',
    '%ED%A0%80',
    '%ED%B0%80',
    '%EF%BF%BD',
    '%E2%80%AE',
    '%FF',
    '%C0%AE',
    '%',
    '%zz',
    '%2',
    '..',
    '%2E%2E',
    '%2F',
    '0x10',
    '1e2',
    '-1',
    '1.5',
    '0',
    '99999999999999999999',
    'NaN',
    'Infinity',
    'true',
    'null',
    '[]',
    '%5B%5D',
    'IP-HUB-EUR-x',
    PARTNER,
    ...PROTOTYPE_KEYS,
  ),
  fc.constantFrom('x', '%41').map((c) => c.repeat(c.length === 1 ? 1000 : 333)),
  anyText.map(pct),
);

/** A query: names documented for the route and others, values bad, names repeated, bracket syntax. */
const queryOf = (names: string[]): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...names, 'groupBy', 'limit', 'cursor', 'status', 'country'),
          fc.constantFrom(...PROTOTYPE_KEYS, 'a[b]', 'a[]', 'a[__proto__]', 'a.b', '%00', '%ED%A0%80'),
          fc.string({ maxLength: 6 }).map(pct),
        ),
        badValue,
        fc.boolean(),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((pairs) => pairs.flatMap(([n, v, twice]) => (twice ? [`${n}=${v}`, `${n}=${v}`] : [`${n}=${v}`])).join('&'));

let deepCache: string | undefined;
/** JSON nested 2,000 levels deep. */
const deepJson = () => (deepCache ??= `${'{"a":['.repeat(1000)}1${']}'.repeat(1000)}`);

interface BodySpec {
  bytes?: Buffer;
  headers: Record<string, string>;
  label: string;
}

const body: fc.Arbitrary<BodySpec> = fc.oneof(
  {
    weight: 3,
    arbitrary: mostlyValidContent.map((c) => ({
      bytes: Buffer.from(JSON.stringify(c)),
      headers: { 'content-type': 'application/json' },
      label: 'json',
    })),
  },
  {
    weight: 3,
    arbitrary: prototypeKeyedContent.map((c) => ({
      bytes: Buffer.from(JSON.stringify(c)),
      headers: { 'content-type': 'application/json' },
      label: 'json with a prototype key',
    })),
  },
  fc.jsonValue({ maxDepth: 4 }).map((c) => ({
    bytes: Buffer.from(JSON.stringify(c) ?? 'null'),
    headers: { 'content-type': 'application/json' },
    label: 'json',
  })),
  fc.constant({ bytes: Buffer.from(deepJson()), headers: { 'content-type': 'application/json' }, label: 'deep json' }),
  fc
    .constantFrom('{', 'abc', '{"a":1}}', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}')
    .map((t) => ({ bytes: Buffer.from(t), headers: { 'content-type': 'application/json' }, label: 'not json' })),
  fc.constantFrom('gzip', 'br', 'deflate', 'x-unknown', 'gzip, br').map((enc) => ({
    bytes: Buffer.from('{"not":"compressed"}'),
    headers: { 'content-type': 'application/json', 'content-encoding': enc },
    label: `content-encoding ${enc} that is not`,
  })),
  fc.constant({
    bytes: gzipSync(Buffer.from(deepJson())),
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    label: 'gzip of deep json',
  }),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => ({
    bytes: Buffer.concat([
      Buffer.from('{"title":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(b),
      Buffer.from('"}'),
    ]),
    headers: { 'content-type': 'application/json' },
    label: 'invalid utf-8',
  })),
  fc
    .constantFrom('text/csv', 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded')
    .map((ct) => ({
      bytes: Buffer.from('a,b\n\u0000,\u202E\n'),
      headers: { 'content-type': ct },
      label: `body as ${ct}`,
    })),
  fc.constant<BodySpec>({ headers: {}, label: 'no body' }),
);

/** Headers the routes read (If-Match, Idempotency-Key, correlation id) with odd values. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'if-match': fc.constantFrom('"1"', '1', '"0x10"', '"-1"', '"99999999999999999999"', '*', 'W/"1"', '"1e2"', ''),
    'idempotency-key': fc.constantFrom('k', 'x'.repeat(1000), 'constructor', '__proto__', ' '),
    'x-correlation-id': fc.constantFrom('c', 'x'.repeat(1000), '__proto__'),
  },
  { requiredKeys: [] },
);

/** Long runs of one character or escape shortened for the report: `x×4000`. */
const short = (s: string) =>
  s.replace(/((?:%[0-9A-Fa-f]{2})|.)\1{15,}/g, (run, unit: string) => `${unit}×${run.length / unit.length}`);

interface Failure {
  route: string;
  seed: number;
  input: string;
  status?: number;
  problem: string;
  logs: string[];
}

describe('fuzz: every route of every service, bad input in, never a 5xx', () => {
  let cluster: FuzzCluster;
  const targets: Target[] = [];

  beforeAll(async () => {
    cluster = await startFuzzCluster('fuzz_routes', true);
    const admin = { authorization: `Bearer ${await tokenFor('IP-GS-CTP', ALL_SCOPES)}` };
    // A registered partner, so /partners/PT-FUZZ/… reaches the handlers.
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
    const services: [string, () => ServiceProcess, string][] = [
      ['hub', () => cluster.hub, 'IP-HUB-EUR'],
      ['platform', () => cluster.platform, 'IP-GS-CTP'],
      ['partner-liaison', () => cluster.liaison!, 'IP-GS-CTP'],
    ];
    for (const [name, service, org] of services) {
      const docs = await rawRequest(service().baseUrl, 'GET', '/docs-json', admin);
      expect(docs.status).toBe(200);
      targets.push({ name, service, org, ops: operationsOf(docs.json as Parameters<typeof operationsOf>[0]) });
    }
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  /** The token for `op`: the service's own organisation with every scope, or the partner itself on its own routes. */
  async function tokenOf(target: Target, op: Operation): Promise<string> {
    const partnerOwn = op.access?.owner === 'partner-param' && op.access.scopes.includes('partner');
    return tokenFor(partnerOwn ? PARTNER : target.org, ALL_SCOPES);
  }

  async function fuzzRoutes(target: Target, seen: Set<number>): Promise<Failure[]> {
    const failures: Failure[] = [];
    const service = target.service();
    for (const op of target.ops) {
      const token = await tokenOf(target, op);
      const pathParams = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const queryNames = op.params.filter((p) => p.in === 'query').map((p) => p.name);
      const input = fc.record({
        // One part of the request is fuzzed at a time (or all together), so that bad bodies reach the handlers
        // instead of being refused at the edge for a bad query.
        focus: fc.constantFrom('path', 'query', 'body', 'headers', 'all'),
        path: fc.tuple(...pathParams.map(() => fc.oneof(badValue, fc.constant(PARTNER)))),
        query: fc.option(queryOf(queryNames.length ? queryNames : ['q']), { nil: undefined, freq: 4 }),
        body:
          op.method === 'GET' || op.method === 'DELETE'
            ? fc.constant<BodySpec>({ headers: {}, label: 'no body' })
            : body,
        headers: extraHeaders,
      });
      type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;
      const probe = async (i: Input): Promise<{ answer: RawAnswer; problem?: string; path: string }> => {
        const on = (part: string) => i.focus === part || i.focus === 'all';
        let path = op.path;
        pathParams.forEach(
          (name, k) => (path = path.replace(`{${name}}`, on('path') ? i.path[k] : (CLEAN_PARAM[name] ?? 'x'))),
        );
        if (on('query') && i.query !== undefined) path += `?${i.query}`;
        const answer = await rawRequest(
          service.baseUrl,
          op.method,
          path,
          { authorization: `Bearer ${token}`, ...(on('headers') ? i.headers : {}), ...i.body.headers },
          i.body.bytes,
        );
        const documented = answer.status === 503 && op.responses['503'] !== undefined;
        const problem =
          answer.status >= 500 && !documented
            ? `status ${answer.status}: ${answer.text.slice(0, 300)}`
            : answer.status >= 400
              ? errorBodyProblem(answer)
              : undefined;
        seen.add(answer.status);
        return { answer, problem, path };
      };
      const result = await fc.check(
        fc.asyncProperty(input, async (i) => (await probe(i)).problem === undefined),
        { numRuns: RUNS_PER_ROUTE, seed: SEED },
      );
      if (result.failed && result.counterexample) {
        const [i] = result.counterexample;
        // The shrunk counterexample once more, so that what is reported is its own answer and log lines.
        const replay = await probe(i);
        failures.push({
          route: `${target.name} ${op.method} ${op.path}`,
          seed: result.seed,
          input: short(
            JSON.stringify({
              focus: i.focus,
              path: replay.path,
              headers: i.focus === 'headers' || i.focus === 'all' ? i.headers : {},
              body: i.body.label,
              bytes: i.body.bytes?.toString('utf8', 0, 2000),
            }),
          ),
          status: replay.answer.status,
          problem: replay.problem ?? String(result.errorInstance),
          logs: logLinesAbout(service, op.path.split('{')[0]).map(short),
        });
      }
    }
    return failures;
  }

  it.each(['hub', 'platform', 'partner-liaison'])(
    '%s: no route answers a 5xx to bad input, and every 4xx is the error body',
    async (name) => {
      const target = targets.find((t) => t.name === name)!;
      expect(target.ops.length).toBeGreaterThan(3);
      const seen = new Set<number>();
      const failures = await fuzzRoutes(target, seen);
      expect(failures).toEqual([]);
      // The fuzz reached the handlers, not only the edge's refusals: some answers came from past the checks.
      expect([...seen].some((s) => s < 400 || [403, 404, 409, 412, 415, 422, 428].includes(s))).toBe(true);
    },
  );

  it.each(['hub', 'platform', 'partner-liaison'])(
    "%s: a request line or headers beyond the server's limit (16 KB) get a 4xx with the error body",
    async (name) => {
      const target = targets.find((t) => t.name === name)!;
      const token = await tokenFor(target.org, ALL_SCOPES);
      const answers = [
        await rawRequest(target.service().baseUrl, 'GET', `/initiatives?q=${'x'.repeat(20_000)}`, {
          authorization: `Bearer ${token}`,
        }),
        await rawRequest(target.service().baseUrl, 'GET', '/initiatives', {
          authorization: `Bearer ${token}`,
          'x-correlation-id': 'x'.repeat(20_000),
        }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(errorBodyProblem(answer)).toBeUndefined();
      }
    },
  );

  it.each(['hub', 'platform', 'partner-liaison'])(
    '%s: without a token, every secured route answers 401 with the error body',
    async (name) => {
      const target = targets.find((t) => t.name === name)!;
      const secured = target.ops.filter((op) => op.secured);
      expect(secured.length).toBeGreaterThan(3);
      const wrong: string[] = [];
      for (const op of secured) {
        const path = op.path.replace(/\{[^}]+\}/g, PARTNER);
        const answer = await rawRequest(
          target.service().baseUrl,
          op.method,
          path,
          op.method === 'GET' ? {} : { 'content-type': 'application/json' },
          op.method === 'GET' ? undefined : '{}',
        );
        const problem = answer.status !== 401 ? `status ${answer.status}` : errorBodyProblem(answer);
        if (problem) wrong.push(`${op.method} ${path}: ${problem}`);
      }
      expect(wrong).toEqual([]);
    },
  );
});
