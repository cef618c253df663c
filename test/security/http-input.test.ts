import { brotliCompressSync, gzipSync } from 'node:zlib';
import { as, bearer } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { initiativeBody } from '../support/hub-fixtures';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

/*
 * Input at the HTTP edge (issue #13, "every refusal is a 4xx with the field and rule, and is logged"): each of the
 * inputs that used to answer 500 (or a silent 4xx) at a hub, the platform and partner-liaison now answers a 4xx with
 * the contract's error body naming the field and the rule, and the service logs the refusal (method, path, status,
 * rules; never the query's values).
 */
interface Answer {
  status: number;
  body: { statusCode?: number; message?: string; details?: { field: string; rule: string; message: string }[] };
}

interface Send {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

async function send(service: ServiceProcess, path: string, auth: Record<string, string>, o: Send = {}) {
  const res = await fetch(`${service.baseUrl}${path}`, {
    method: o.method ?? 'GET',
    headers: { ...auth, ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
    body: o.body,
  });
  const text = await res.text();
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = { message: text };
  }
  return { status: res.status, body } as Answer;
}

/** JSON nested `levels` deep: {"a":{"a":…}}. */
const deepJson = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

/** Asserts a refusal with `status` whose details name `field` with `rule`. */
function expectRefusal(answer: Answer, status: number, field: string, rule: string): void {
  expect({ status: answer.status, statusCode: answer.body.statusCode }).toEqual({ status, statusCode: status });
  expect(answer.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
}

/** The request log line of a refusal: method, path (no query values), status and the rule. */
async function loggedRefusal(service: ServiceProcess, method: string, path: string, status: number, rule: string) {
  return waitFor(`the log line of ${method} ${path} → ${status} ${rule}`, async () =>
    service
      .logLines()
      .find(
        (l) =>
          l.msg === 'http request' &&
          l.method === method &&
          l.url === path &&
          l.status === status &&
          Array.isArray(l.rules) &&
          l.rules.includes(rule),
      ),
  );
}

const noServerErrorLogged = (service: ServiceProcess) =>
  expect(service.logLines().filter((l) => typeof l.status === 'number' && l.status >= 500)).toEqual([]);

describe('input at the HTTP edge', () => {
  let nats: TestNatsServer;
  const hubDb = TestDatabase.fresh('edge_hub');
  const platformDb = TestDatabase.fresh('edge_platform');
  const liaisonDb = TestDatabase.fresh('edge_liaison');
  let hub: ServiceProcess;
  let platform: ServiceProcess;
  let liaison: ServiceProcess;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    const env = async (url: string) => ({ PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: url });
    hub = new ServiceProcess('hub', { HUB_REGION: 'eur', ...(await env(hubDb.url)) }, 'edge-hub-eur');
    platform = new ServiceProcess('platform', await env(platformDb.url), 'edge-platform');
    liaison = new ServiceProcess('partner-liaison', await env(liaisonDb.url), 'edge-liaison');
    await Promise.all([hub.start(), platform.start(), liaison.start()]);
    const registered = await send(liaison, '/partners', await as.partnersAdmin(), {
      method: 'POST',
      body: JSON.stringify({
        ref: 'PT-UNODC',
        acronym: 'UNODC',
        name: 'UNODC',
        type: 'UN_ENTITY',
        regions: ['EUR'],
        agreement: 'MoU',
      }),
    });
    expect(registered.status).toBe(201);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([hub?.stop(), platform?.stop(), liaison?.stop()]);
    await nats?.stop();
    await Promise.all([hubDb.drop(), platformDb.drop(), liaisonDb.drop()]);
  });

  describe('paths', () => {
    it.each([
      ['hub', '/initiatives/IP-HUB-EUR-x%00y'],
      ['platform', '/initiatives/IP-HUB-EUR-x%00y'],
      ['platform', '/events/%2Fctp%2Fhubs%2Feur%00/1'],
      ['partner-liaison', '/partners/PT-UNODC%00'],
      ['partner-liaison', '/partners/PT-UNODC/initiatives/x%1By'],
    ])('%s %s: a control character in the path is 400 noControlCharacters', async (app, path) => {
      const service = { hub, platform, 'partner-liaison': liaison }[app]!;
      const auth =
        app === 'hub' ? await as.hub('eur') : app === 'platform' ? await as.analyst() : await as.partnersAdmin();
      expectRefusal(await send(service, path, auth), 400, 'path', 'noControlCharacters');
      await loggedRefusal(service, 'GET', path, 400, 'noControlCharacters');
    });

    it('a malformed percent-encoding in the path is 400 percentEncoding, logged', async () => {
      const path = '/initiatives/IP-HUB-EUR-%E0%A4%A';
      expectRefusal(await send(hub, path, await as.hub('eur')), 400, 'path', 'percentEncoding');
      expectRefusal(await send(platform, '/initiatives/%ZZ', await as.analyst()), 400, 'path', 'percentEncoding');
      await loggedRefusal(hub, 'GET', path, 400, 'percentEncoding');
    });
  });

  describe('query parameters', () => {
    it.each([
      ['platform', '/initiatives?reporter=IP-HUB-EUR%00', 'reporter'],
      ['platform', '/initiatives?cluster=%00', 'cluster'],
      ['platform', '/initiatives?cursor=x%00', 'cursor'],
      ['platform', '/overlaps?initiativeId=IP-HUB-EUR-a%07', 'initiativeId'],
      ['hub', '/initiatives?cursor=%00', 'cursor'],
      ['partner-liaison', '/audit?partner=PT-UNODC%7F', 'partner'],
    ])('%s %s: a control character in a value is 400 naming the parameter', async (app, path, field) => {
      const service = { hub, platform, 'partner-liaison': liaison }[app]!;
      const auth =
        app === 'hub' ? await as.hub('eur') : app === 'platform' ? await as.analyst() : await as.partnersAdmin();
      expectRefusal(await send(service, path, auth), 400, field, 'noControlCharacters');
    });

    it('a cursor that decodes to NUL bytes is not one the endpoint gave out: 400 valid, never a database error', async () => {
      // "AAAA" is base64url for three NUL bytes: no control character in the value itself.
      expectRefusal(await send(platform, '/initiatives?cursor=AAAA', await as.analyst()), 400, 'cursor', 'valid');
      expectRefusal(await send(hub, '/initiatives?cursor=AAAA', await as.hub('eur')), 400, 'cursor', 'valid');
      expectRefusal(
        await send(liaison, '/partners/PT-UNODC/initiatives?cursor=AAAA', await as.partner('PT-UNODC')),
        400,
        'cursor',
        'valid',
      );
    });

    it.each([
      ['hub', '/initiatives?limit=1&limit=2', 'limit'],
      ['hub', '/initiatives?status=PIPELINE&status=COMPLETED', 'status'],
      ['platform', '/initiatives?reporter=IP-HUB-EUR&reporter=IP-HUB-AFR', 'reporter'],
      ['platform', '/overlaps?limit=1&limit=2', 'limit'],
      ['platform', '/rollups?groupBy=region&groupBy=kind', 'groupBy'],
      ['partner-liaison', '/partners/PT-UNODC/initiatives?status=PIPELINE&status=COMPLETED', 'status'],
      ['partner-liaison', '/partners/PT-UNODC/feed?cursor=1&cursor=2', 'cursor'],
      ['partner-liaison', '/audit?limit=1&limit=2', 'limit'],
    ])('%s %s: a parameter given twice is 400 singleValue', async (app, path, field) => {
      const service = { hub, platform, 'partner-liaison': liaison }[app]!;
      const auth =
        app === 'hub'
          ? await as.hub('eur')
          : app === 'platform'
            ? await as.analyst()
            : path.startsWith('/partners/')
              ? await as.partner('PT-UNODC')
              : await as.partnersAdmin();
      expectRefusal(await send(service, path, auth), 400, field, 'singleValue');
    });

    it.each(['0x10', '1e2', '%2010', '%2B5', '-1', '10.0', '1_0', '%EF%BC%91'])(
      'limit=%s is not plain decimal digits: 400 decimalDigits at every service',
      async (value) => {
        expectRefusal(
          await send(hub, `/initiatives?limit=${value}`, await as.hub('eur')),
          400,
          'limit',
          'decimalDigits',
        );
        expectRefusal(
          await send(platform, `/initiatives?limit=${value}`, await as.analyst()),
          400,
          'limit',
          'decimalDigits',
        );
        expectRefusal(
          await send(platform, `/overlaps?limit=${value}`, await as.analyst()),
          400,
          'limit',
          'decimalDigits',
        );
        expectRefusal(
          await send(liaison, `/partners/PT-UNODC/feed?limit=${value}`, await as.partner('PT-UNODC')),
          400,
          'limit',
          'decimalDigits',
        );
      },
    );

    it('limit in decimal digits within its bounds is read; beyond them it is 400 range', async () => {
      const ok = await send(hub, '/initiatives?limit=10', await as.hub('eur'));
      expect(ok.status).toBe(200);
      expectRefusal(await send(hub, '/initiatives?limit=501', await as.hub('eur')), 400, 'limit', 'range');
      expectRefusal(await send(hub, '/initiatives?limit=0', await as.hub('eur')), 400, 'limit', 'range');
      expectRefusal(
        await send(platform, '/initiatives?limit=99999999999999999999', await as.analyst()),
        400,
        'limit',
        'range',
      );
    });

    it.each(['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty', 'region,constructor'])(
      'GET /rollups?groupBy=%s at the platform is 400 naming groupBy and the allowed values',
      async (value) => {
        const answer = await send(platform, `/rollups?groupBy=${encodeURIComponent(value)}`, await as.analyst());
        expectRefusal(answer, 400, 'groupBy', 'isIn');
        expect(answer.body.details![0].message).toContain('region, primaryActionStream, status, kind');
      },
    );

    it("a hub's /rollup takes no query parameter: groupBy=constructor is 400 naming it", async () => {
      expectRefusal(await send(hub, '/rollup?groupBy=constructor', await as.hub('eur')), 400, 'groupBy', 'known');
      expect((await send(hub, '/rollup', await as.hub('eur'))).status).toBe(200);
    });

    it('logs the refusal with the parameter names, never their values', async () => {
      const path = '/initiatives';
      expectRefusal(
        await send(platform, `${path}?reporter=s3cr3t-value&reporter=other-s3cr3t`, await as.analyst()),
        400,
        'reporter',
        'singleValue',
      );
      const line = await loggedRefusal(platform, 'GET', path, 400, 'singleValue');
      expect(line).toMatchObject({ query: ['reporter'], fields: ['reporter'] });
      expect(platform.logs()).not.toContain('s3cr3t');
      expect(JSON.stringify(line)).not.toMatch(/authorization|bearer/i);
    });
  });

  describe('JSON bodies', () => {
    it('refuses JSON nested 2,000 levels deep with 400 maxDepth at every service, and logs it', async () => {
      const body = deepJson(2000);
      expectRefusal(
        await send(hub, '/initiatives', await as.hub('eur'), { method: 'POST', body }),
        400,
        'body',
        'maxDepth',
      );
      expectRefusal(
        await send(platform, '/overlaps/1/decision', await as.analyst(), { method: 'POST', body }),
        400,
        'body',
        'maxDepth',
      );
      expectRefusal(
        await send(liaison, '/partners/PT-UNODC/initiatives', await as.partner('PT-UNODC'), { method: 'POST', body }),
        400,
        'body',
        'maxDepth',
      );
      await loggedRefusal(hub, 'POST', '/initiatives', 400, 'maxDepth');
      await loggedRefusal(liaison, 'POST', '/partners/PT-UNODC/initiatives', 400, 'maxDepth');
    });

    it('refuses 33 levels, and brackets inside strings do not count', async () => {
      expectRefusal(
        await send(hub, '/initiatives', await as.hub('eur'), { method: 'POST', body: deepJson(33) }),
        400,
        'body',
        'maxDepth',
      );
      const text = `Formation ${'[[[[{{{{'.repeat(10)} \\"]]]]`;
      const bracketed = initiativeBody({ localId: 'brackets', title: { lang: 'fr', text } });
      const answer = await send(hub, '/initiatives', await as.hub('eur'), {
        method: 'POST',
        body: JSON.stringify(bracketed),
      });
      expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 201 });
    });

    it('refuses bytes that are not UTF-8 with 400 isUtf8 (they are not replaced by U+FFFD)', async () => {
      const text = JSON.stringify(initiativeBody({ localId: 'latin1', title: { lang: 'fr', text: 'Formation XX' } }));
      const bytes = Buffer.from(text, 'utf8');
      const at = bytes.indexOf('XX');
      bytes[at] = 0xe9; // é in Latin-1: not UTF-8
      bytes[at + 1] = 0xff;
      const answer = await send(hub, '/initiatives', await as.hub('eur'), { method: 'POST', body: bytes });
      expectRefusal(answer, 400, 'body', 'isUtf8');
      await loggedRefusal(hub, 'POST', '/initiatives', 400, 'isUtf8');
      expect((await send(hub, '/initiatives/IP-HUB-EUR-latin1', await as.hub('eur'))).status).toBe(404);
    });

    it('refuses a charset other than UTF-8 with 415', async () => {
      const answer = await send(hub, '/initiatives', await as.hub('eur'), {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-16le' },
        body: Buffer.from(JSON.stringify(initiativeBody()), 'utf16le'),
      });
      expectRefusal(answer, 415, 'Content-Type', 'charset');
    });

    it.each(['gzip', 'br', 'deflate'])(
      'refuses a body whose Content-Encoding says %s but is not: 400 decodable, logged',
      async (encoding) => {
        const path = '/partners/PT-UNODC/initiatives';
        const answer = await send(liaison, path, await as.partner('PT-UNODC'), {
          method: 'POST',
          headers: { 'content-encoding': encoding },
          body: 'this is not compressed at all, just text pretending',
        });
        expectRefusal(answer, 400, 'Content-Encoding', 'decodable');
        await loggedRefusal(liaison, 'POST', path, 400, 'decodable');
        expectRefusal(
          await send(hub, '/initiatives', await as.hub('eur'), {
            method: 'POST',
            headers: { 'content-encoding': encoding },
            body: 'not compressed',
          }),
          400,
          'Content-Encoding',
          'decodable',
        );
      },
    );

    it('accepts a body that really is gzip or br', async () => {
      for (const [encoding, compress] of [
        ['gzip', gzipSync],
        ['br', brotliCompressSync],
      ] as const) {
        const body = compress(Buffer.from(JSON.stringify(initiativeBody({ localId: `packed-${encoding}` }))));
        const answer = await send(hub, '/initiatives', await as.hub('eur'), {
          method: 'POST',
          headers: { 'content-encoding': encoding, 'x-correlation-id': `edge-${encoding}-1` },
          body,
        });
        expect(answer.status).toBe(201);
      }
      // The request's correlation id, set before the body is read, still reaches the handler's own log line.
      await waitFor('the report log lines with their correlation ids', async () =>
        ['gzip', 'br'].every((encoding) =>
          hub
            .logLines()
            .some(
              (l) =>
                l.msg === 'initiative reported' &&
                l.initiativeId === `IP-HUB-EUR-packed-${encoding}` &&
                l.correlationId === `edge-${encoding}-1`,
            ),
        ),
      );
    });

    it('refuses an encoding it does not accept with 415 naming Content-Encoding, logged', async () => {
      const answer = await send(platform, '/overlaps/1/decision', await as.analyst(), {
        method: 'POST',
        headers: { 'content-encoding': 'compress' },
        body: '{"decision":"CONFIRMED"}',
      });
      expectRefusal(answer, 415, 'Content-Encoding', 'isIn');
      await loggedRefusal(platform, 'POST', '/overlaps/1/decision', 415, 'isIn');
    });

    it('refuses a body larger than 1 MB once decoded with 413 maxSize (a small gzip bomb too), logged', async () => {
      const big = JSON.stringify({ decision: 'CONFIRMED', note: 'x'.repeat(1_100_000) });
      expectRefusal(
        await send(platform, '/overlaps/1/decision', await as.analyst(), { method: 'POST', body: big }),
        413,
        'body',
        'maxSize',
      );
      const bomb = gzipSync(Buffer.from(big));
      expect(bomb.length).toBeLessThan(20_000);
      expectRefusal(
        await send(platform, '/overlaps/1/decision', await as.analyst(), {
          method: 'POST',
          headers: { 'content-encoding': 'gzip' },
          body: bomb,
        }),
        413,
        'body',
        'maxSize',
      );
      await loggedRefusal(platform, 'POST', '/overlaps/1/decision', 413, 'maxSize');
    });

    it('answers a body that is not JSON with 400 isJson, logged (the body parser was silent before)', async () => {
      expectRefusal(
        await send(liaison, '/partners', await as.partnersAdmin(), { method: 'POST', body: '{"ref":' }),
        400,
        'body',
        'isJson',
      );
      await loggedRefusal(liaison, 'POST', '/partners', 400, 'isJson');
    });

    it('a lone surrogate in a JSON text or key never gets a 500 (the contract names the field)', async () => {
      const title = JSON.stringify(initiativeBody({ localId: 'surrogate' })).replace(
        'Formation régionale',
        'Formation \\ud800 régionale',
      );
      const atHub = await send(hub, '/initiatives', await as.hub('eur'), { method: 'POST', body: title });
      expect(atHub.status).toBeGreaterThanOrEqual(400);
      expect(atHub.status).toBeLessThan(500);
      expect(atHub.body.details?.length).toBeGreaterThan(0);
      const key = await send(hub, '/initiatives', await as.hub('eur'), {
        method: 'POST',
        body: '{"\\udc00":1,"kind":"TRN"}',
      });
      expect(key.status).toBeGreaterThanOrEqual(400);
      expect(key.status).toBeLessThan(500);
      const atLiaison = await send(liaison, '/partners/PT-UNODC/initiatives', await as.partner('PT-UNODC'), {
        method: 'POST',
        body: title,
      });
      expect(atLiaison.status).toBeGreaterThanOrEqual(400);
      expect(atLiaison.status).toBeLessThan(500);
    });
  });

  it('answers a token holding characters a header cannot carry with 401, not a crash', async () => {
    const answer = await send(hub, '/initiatives', { authorization: 'Bearer \u00e9\u00ff.\u00e0.x' });
    expect(answer.status).toBe(401);
    expect((await send(hub, '/initiatives', await bearer('IP-HUB-EUR', 'initiatives:read'))).status).toBe(200);
  });

  it('logged no 500 at any service for any of these inputs', () => {
    for (const service of [hub, platform, liaison]) noServerErrorLogged(service);
  });
});
