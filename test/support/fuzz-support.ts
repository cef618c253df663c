import { Agent, IncomingHttpHeaders, request } from 'node:http';
import fc from 'fast-check';
import {
  ACTION_STREAMS,
  CAPABILITIES,
  INITIATIVE_KINDS,
  ISO_COUNTRY_CODES,
  LANGUAGES,
  ORG_ROLES,
  VISIBILITIES,
} from '@ctp/contracts';
import { TestDatabase } from './databases';
import { freePort, TestNatsServer } from './nats-server';
import { ServiceProcess } from './services';

/*
 * fast-check arbitraries for the fuzz suite (test/fuzz/): initiative contents that are valid by construction, the
 * same mutated field by field, dangerous text and dates at the edges. "Valid" is defined here from the contract's
 * documented rules (docs/domain.md, docs/contract.md), not by calling the validator under test.
 */

/** The report time every in-process property uses (fixed, so a failure replays identically). */
export const FUZZ_NOW = new Date('2026-06-15T12:00:00.000Z');
const TODAY = FUZZ_NOW.toISOString().slice(0, 10);

export const ALL_COUNTRIES = [...ISO_COUNTRY_CODES].sort();

/** Code points and strings that a text rule is about, or that a serialiser or terminal is known to trip on. */
export const DANGEROUS_TEXT = [
  '\u0000',
  'a\u0000b',
  '\u0001',
  '\u0007',
  '\u001B[31m',
  '\u007F',
  '\u0085',
  '\u009F',
  '\t',
  '\n',
  '\r\n',
  '\uD800',
  '\uDBFF',
  '\uDC00',
  'x\uDFFFy',
  '\uDC00\uD800',
  '\u202A',
  '\u202B',
  '\u202D',
  '\u202E',
  'abc\u202Edcba',
  '\u2066',
  '\u2069',
  '\uFFFD',
  '\uFFFE',
  '\uFFFF',
  '\u200E',
  '\u200F',
  '\u200B',
  '\uFEFF',
  'e\u0301',
  'A\u030A',
  '\u212B',
  '\u0958',
  'Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357',
  'مكافحة الإرهاب',
  'تدريب\u200Fإقليمي',
  '\u{1F600}',
  '\u{10FFFF}',
  '',
  ' ',
  'x'.repeat(501),
  '\\u0000',
  '%00',
  '__proto__',
  'constructor',
];

/** What the text rules refuse (README "Text"), written here independently of libs/contracts/src/text-rules.ts. */
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFD\uFFFE\uFFFF]/;
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isSafeText(s: string): boolean {
  return !UNSAFE_TEXT.test(s) && !LONE.test(s);
}

/** Text a person could legitimately send in one of the four languages, Arabic and combining marks included. */
const SAMPLES = [
  'Formation régionale sur les combattants terroristes étrangers',
  'Formation re\u0301gionale (composition NFD)',
  'Regional training on foreign terrorist fighters',
  'Operación conjunta contra el tráfico de armas',
  'Operacio\u0301n conjunta (NFD)',
  'تدريب إقليمي حول المقاتلين الإرهابيين الأجانب',
  'عملية مشتركة\u200F ضد تهريب الأسلحة',
  'Ångström \u212B vs \u00C5',
  'Ǆ ǅ ǆ ﬁ',
  'ह\u093C\u0958',
];

export const safeText = (maxLength = 120): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...SAMPLES) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom(...SAMPLES), fc.constantFrom('\u0301', '\u0308', '\u064B', '\u0651', '\u200F', ' '))
          .map(([a, b]) => `${a}${b}`),
      },
    )
    .filter((s) => isSafeText(s) && s.trim().length > 0 && s.normalize('NFC').length <= maxLength);

/** Any string at all: binary units (every code point), full Unicode, graphemes, and the dangerous ones. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 30 }),
  fc.constantFrom(...DANGEROUS_TEXT),
  fc.tuple(fc.constantFrom(...SAMPLES), fc.constantFrom(...DANGEROUS_TEXT)).map(([a, b]) => `${a}${b}`),
);

/** Dates at and around every edge: the contract's range, calendars, years that are typing errors. */
export const EDGE_DATES = [
  '1989-12-31',
  '1990-01-01',
  '2099-12-31',
  '2100-01-01',
  '0000-01-01',
  '0001-01-01',
  '9999-12-31',
  '2024-02-29',
  '2023-02-29',
  '2027-02-30',
  '2000-02-29',
  '2100-02-29',
  '1990-00-10',
  '1990-13-01',
  '2027-04-31',
  '2027-3-1',
  '2027-03-01T00:00:00Z',
  '20270301',
  ' 2027-03-01',
  '２０２７-03-01',
];

const MIN_DAY = Date.parse('1990-01-01T00:00:00Z');
const DAY = 86_400_000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A real calendar date in the contract's range, edges weighted in. */
export const validDate = (min = '1990-01-01', max = '2099-12-31'): fc.Arbitrary<string> => {
  const lo = Math.round((Date.parse(`${min}T00:00:00Z`) - MIN_DAY) / DAY);
  const hi = Math.round((Date.parse(`${max}T00:00:00Z`) - MIN_DAY) / DAY);
  return fc.oneof(
    fc.integer({ min: lo, max: hi }).map((d) => isoDay(MIN_DAY + d * DAY)),
    fc.constantFrom(min, max),
  );
};

/** A date string of any kind: edges, valid ones, garbage. */
export const anyDate: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...EDGE_DATES),
  validDate(),
  fc
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
    .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
);

/** `from` plus 0..max days, capped at `cap` (both valid dates). */
function plusDays(from: string, days: number, cap: string): string {
  const to = isoDay(Date.parse(`${from}T00:00:00Z`) + days * DAY);
  return to > cap ? cap : to;
}

/** Ten calendar years after `from`, when that day exists (the longest span the contract allows). */
function tenYearsAfter(from: string): string | undefined {
  const to = `${Number(from.slice(0, 4)) + 10}${from.slice(4)}`;
  const ms = Date.parse(`${to}T00:00:00Z`);
  return !Number.isNaN(ms) && isoDay(ms) === to && to <= '2099-12-31' ? to : undefined;
}

/** A planned interval within the rules: start ≤ end, at most ten years, inside 1990..2099, the exact 10 years included. */
const plannedDates = validDate().chain((start) =>
  fc
    .oneof(
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 3650 }),
      fc.constant(-1), // exactly ten years, where that day exists
    )
    .map((days) => ({
      plannedStart: start,
      plannedEnd: days < 0 ? (tenYearsAfter(start) ?? start) : plusDays(start, days, '2099-12-31'),
    })),
);

/** Actual dates in the past of FUZZ_NOW, in order, within ten years. */
const actualDates = validDate('1990-01-01', TODAY).chain((start) =>
  fc.integer({ min: 0, max: 3650 }).map((days) => ({ actualStart: start, actualEnd: plusDays(start, days, TODAY) })),
);

const STATUS_DATES = {
  PIPELINE: [false, false],
  IMPLEMENTATION: [true, false],
  SUSPENDED: [true, false],
  FINALISATION: [true, true],
  CLOSED: [true, true],
  CANCELLED: [false, false],
} as const;

type Status = keyof typeof STATUS_DATES;

/** A list of recipient countries: empty to all 249, no repeats, upper case. */
export const countryList = (min = 0, max = ALL_COUNTRIES.length): fc.Arbitrary<string[]> =>
  fc.oneof(
    fc.subarray(ALL_COUNTRIES, { minLength: Math.max(min, 0), maxLength: Math.min(max, 12) }),
    fc.subarray(ALL_COUNTRIES, { minLength: Math.max(min, 0), maxLength: max }),
    ...(max >= ALL_COUNTRIES.length ? [fc.constant<string[]>([...ALL_COUNTRIES])] : []),
  );

/** An initiative content valid by the contract's documented rules, with text in the four languages. */
export const validContent = (opts: { maxCountries?: number; minCountries?: number } = {}) =>
  fc
    .record({
      kind: fc.constantFrom(...INITIATIVE_KINDS),
      codeName: fc.option(fc.stringMatching(/^[A-Z0-9-]{1,40}$/), { nil: undefined }),
      titleLangs: fc.shuffledSubarray([...LANGUAGES], { minLength: 1, maxLength: 4 }),
      titleTexts: fc.array(safeText(), { minLength: 4, maxLength: 4 }),
      description: fc.option(safeText(400), { nil: undefined }),
      streams: fc.shuffledSubarray([...ACTION_STREAMS], { minLength: 1, maxLength: 5 }),
      capabilities: fc.option(fc.subarray([...CAPABILITIES]), { nil: undefined }),
      status: fc.constantFrom(...(Object.keys(STATUS_DATES) as Status[])),
      planned: plannedDates,
      actual: actualDates,
      cancelledStarted: fc.boolean(),
      scope: fc.constantFrom('GLOBAL', 'MULTI_REGIONAL', 'REGIONAL', 'NATIONAL', 'SUBNATIONAL'),
      countries: countryList(Math.max(opts.minCountries ?? 0, 1), opts.maxCountries ?? ALL_COUNTRIES.length),
      participatingOrgs: fc.option(
        fc.array(
          fc.record({
            ref: fc.stringMatching(/^PT-[A-Z]{2,10}$/),
            name: safeText(100),
            role: fc.constantFrom(...ORG_ROLES),
          }),
          { maxLength: 3 },
        ),
        { nil: undefined },
      ),
      visibility: fc.constantFrom(...VISIBILITIES),
    })
    .map((r) => {
      const [needStart, needEnd] = STATUS_DATES[r.status];
      const dates: Record<string, string> = { ...r.planned };
      if (needStart || (r.status === 'CANCELLED' && r.cancelledStarted)) dates.actualStart = r.actual.actualStart;
      if (needEnd) dates.actualEnd = r.actual.actualEnd;
      const content: Record<string, unknown> = {
        kind: r.kind,
        title: { lang: r.titleLangs[0], text: r.titleTexts[0] },
        actionStreams: { primary: r.streams[0], secondary: r.streams.slice(1) },
        status: r.status,
        dates,
        scope: r.scope,
        recipientCountries: r.scope === 'GLOBAL' ? [] : r.countries,
        visibility: r.visibility,
      };
      if (r.titleLangs.length > 1) {
        content.titleAlt = r.titleLangs.slice(1).map((lang, i) => ({ lang, text: r.titleTexts[i + 1] }));
      }
      if (r.codeName !== undefined) content.codeName = r.codeName;
      if (r.description !== undefined) content.description = r.description;
      if (r.capabilities !== undefined) content.capabilities = r.capabilities;
      if (r.participatingOrgs !== undefined) content.participatingOrgs = r.participatingOrgs;
      return content;
    });

/** Values of the wrong type, or of no type a field expects. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e21, '', [], {}, [null], { '': '' }),
  fc.jsonValue({ maxDepth: 3 }),
  anyText,
  anyDate,
);

/** The keys a JavaScript object inherits, or that name its prototype. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** Paths of the fields of a content (and one level below), as a mutation can target them. */
export const CONTENT_PATHS: (string | number)[][] = [
  [],
  ['kind'],
  ['codeName'],
  ['title'],
  ['title', 'lang'],
  ['title', 'text'],
  ['titleAlt'],
  ['titleAlt', 0],
  ['titleAlt', 0, 'text'],
  ['titleAlt', 0, 'lang'],
  ['description'],
  ['actionStreams'],
  ['actionStreams', 'primary'],
  ['actionStreams', 'secondary'],
  ['actionStreams', 'secondary', 0],
  ['capabilities'],
  ['capabilities', 0],
  ['status'],
  ['dates'],
  ['dates', 'plannedStart'],
  ['dates', 'plannedEnd'],
  ['dates', 'actualStart'],
  ['dates', 'actualEnd'],
  ['scope'],
  ['recipientCountries'],
  ['recipientCountries', 0],
  ['participatingOrgs'],
  ['participatingOrgs', 0, 'name'],
  ['relatedInitiatives'],
  ['otherIdentifiers'],
  ['visibility'],
];

export type Mutation =
  | { op: 'set'; path: (string | number)[]; value: unknown }
  | { op: 'delete'; path: (string | number)[] }
  | { op: 'addKey'; path: (string | number)[]; key: string; value: unknown };

/** The value each field is most likely to break on, beyond wrong types. */
function fieldValue(path: (string | number)[]): fc.Arbitrary<unknown> {
  const last = path[path.length - 1];
  if (path[0] === 'dates' && path.length === 2) return anyDate;
  if (typeof last === 'string' && /text|name|description|codeName/.test(last)) return anyText;
  if (path[0] === 'recipientCountries' && path.length === 1) {
    return fc.oneof(
      countryList(),
      fc.array(fc.constantFrom(...ALL_COUNTRIES, 'fr', 'Fr', 'XX', 'UK', 'EU', ''), { maxLength: 300 }),
      fc.array(fc.constantFrom(...ALL_COUNTRIES.slice(0, 5)), { minLength: 2, maxLength: 8 }),
    );
  }
  if (path[0] === 'recipientCountries') return fc.constantFrom('fr', 'XX', 'FRA', 'FR', '', ' FR', 'F\u0000');
  if (path[0] === 'relatedInitiatives') {
    return fc.array(fc.record({ ref: anyText, type: fc.integer({ min: -1, max: 6 }) }), { maxLength: 3 });
  }
  if (path[0] === 'otherIdentifiers') {
    return fc.array(fc.record({ ref: anyText, ownerOrg: anyText }), { maxLength: 3 });
  }
  return wrongValue;
}

export const mutation: fc.Arbitrary<Mutation> = fc.constantFrom(...CONTENT_PATHS).chain((path) =>
  fc.oneof<fc.Arbitrary<Mutation>[]>(
    fieldValue(path).map((value) => ({ op: 'set', path, value })),
    fc.constant({ op: 'delete', path }),
    fc
      .tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 8 })), wrongValue)
      .map(([key, value]) => ({ op: 'addKey', path, key, value })),
  ),
);

/** Defines `key` as an own, enumerable property (so `__proto__` is a key, as JSON.parse makes it, not the prototype). */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy of `content` with the mutations applied (paths that do not exist are skipped). */
export function applyMutations(content: Record<string, unknown>, mutations: Mutation[]): unknown {
  let root: unknown = JSON.parse(JSON.stringify(content));
  for (const m of mutations) {
    if (m.path.length === 0) {
      if (m.op === 'set') root = m.value;
      else if (m.op === 'addKey' && root && typeof root === 'object') {
        defineOwn(root as Record<string, unknown>, m.key, m.value);
      }
      continue;
    }
    let parent: unknown = root;
    for (const seg of m.path.slice(0, -1)) {
      parent = parent && typeof parent === 'object' ? (parent as Record<string, unknown>)[seg as string] : undefined;
    }
    if (!parent || typeof parent !== 'object') continue;
    const p = parent as Record<string, unknown>;
    const last = m.path[m.path.length - 1] as string;
    if (m.op === 'set') defineOwn(p, last, m.value);
    else if (m.op === 'delete') {
      if (Array.isArray(p)) p.splice(Number(last), 1);
      else delete p[last];
    } else {
      const child = Object.hasOwn(p, last) ? p[last] : undefined;
      if (child && typeof child === 'object' && !Array.isArray(child)) {
        defineOwn(child as Record<string, unknown>, m.key, m.value);
      }
    }
  }
  return root;
}

/** A content: valid, or valid then mutated one to three times. What an owner is sent, after a JSON round trip. */
export const mostlyValidContent: fc.Arbitrary<unknown> = fc
  .tuple(validContent({ maxCountries: 40 }), fc.array(mutation, { minLength: 0, maxLength: 3 }))
  .map(([content, mutations]) => JSON.parse(JSON.stringify(applyMutations(content, mutations))) as unknown);

/** Object keys of ordinary and dangerous kinds, for arbitrary JSON. */
export const jsonKey: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom(...PROTOTYPE_KEYS),
  anyText,
);

/* ---------------------------------------------------------------------------------------------------------------
 * Real services for the integration fuzz files: a private nats-server, fresh databases, a hub (eur), the platform and
 * (optionally) partner-liaison, with the tests' real token issuer; and raw HTTP requests that send exactly the bytes
 * given (fetch would refuse or rewrite some of them).
 * ------------------------------------------------------------------------------------------------------------- */

export interface FuzzCluster {
  nats: TestNatsServer;
  hub: ServiceProcess;
  platform: ServiceProcess;
  liaison?: ServiceProcess;
  stop(): Promise<void>;
}

export async function startFuzzCluster(name: string, withLiaison: boolean): Promise<FuzzCluster> {
  const nats = await TestNatsServer.start();
  const dbs = [TestDatabase.fresh(`${name}_hub`), TestDatabase.fresh(`${name}_platform`)];
  if (withLiaison) dbs.push(TestDatabase.fresh(`${name}_liaison`));
  const common = { NATS_URL: nats.url, HTTP_RATE_LIMIT_PER_MINUTE: '1000000' };
  const hub = new ServiceProcess(
    'hub',
    { ...common, HUB_REGION: 'eur', PORT: String(await freePort()), DATABASE_URL: dbs[0].url },
    `${name}-hub-eur`,
  );
  const platform = new ServiceProcess(
    'platform',
    { ...common, PORT: String(await freePort()), DATABASE_URL: dbs[1].url },
    `${name}-platform`,
  );
  const liaison = withLiaison
    ? new ServiceProcess(
        'partner-liaison',
        { ...common, PORT: String(await freePort()), DATABASE_URL: dbs[2].url },
        `${name}-partner-liaison`,
      )
    : undefined;
  await Promise.all([hub.start(), platform.start(), liaison?.start()]);
  return {
    nats,
    hub,
    platform,
    liaison,
    async stop() {
      await Promise.all([hub.stop(), platform.stop(), liaison?.stop()]);
      await nats.stop();
      await Promise.all(dbs.map((d) => d.drop()));
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** One HTTP request with exactly this path (already percent-encoded as wanted), these headers and these body bytes. */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent,
        headers: body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        // A stream that never ends (Server-Sent Events, GET /console/stream): its status and headers are the answer.
        if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '', json: undefined });
          res.destroy();
          return;
        }
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Why `answer` is not the contract's error body `{ statusCode, error, message, details[] }` (undefined: it is). */
export function errorBodyProblem(answer: RawAnswer): string | undefined {
  const b = answer.json as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object') return `not a JSON object: ${answer.text.slice(0, 200)}`;
  if (b.statusCode !== answer.status) return `statusCode ${String(b.statusCode)} is not the status ${answer.status}`;
  if (typeof b.error !== 'string' || typeof b.message !== 'string') return 'error or message is not a string';
  if (!Array.isArray(b.details)) return 'details is not an array';
  for (const d of b.details as Record<string, unknown>[]) {
    if (!d || typeof d.field !== 'string' || typeof d.rule !== 'string' || typeof d.message !== 'string') {
      return `a detail is not { field, rule, message }: ${JSON.stringify(d)}`;
    }
  }
  return undefined;
}

/** The last log lines of `service` that mention `needle` (for a failure's report). */
export function logLinesAbout(service: ServiceProcess | undefined, needle: string, max = 3): string[] {
  if (!service) return [];
  return service
    .logs()
    .split('\n')
    .filter((l) => l.includes(needle) || /"level":(50|60)/.test(l))
    .slice(-max)
    .map((l) => l.slice(0, 600));
}

/** A valid content with a key of Object's prototype (`__proto__`, `constructor`, …) put at one level of it. */
export const prototypeKeyedContent: fc.Arbitrary<unknown> = fc
  .tuple(
    validContent({ maxCountries: 5 }),
    fc.constantFrom(...CONTENT_PATHS),
    fc.oneof(fc.constantFrom('constructor', '__proto__'), fc.constantFrom(...PROTOTYPE_KEYS)),
    wrongValue,
    fc.boolean(),
  )
  .map(([content, path, key, value, replace]) => {
    const holder: Record<string, unknown> = {};
    defineOwn(holder, key, value);
    const m: Mutation = replace ? { op: 'set', path, value: holder } : { op: 'addKey', path, key, value };
    return JSON.parse(JSON.stringify(applyMutations(content, [m]))) as unknown;
  });
