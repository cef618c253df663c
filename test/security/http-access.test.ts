import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsConnection } from '@nats-io/nats-core';
import { DevIssuer, ensureDevIssuer, signToken } from '@ctp/auth';
import { as, testIssuer, tokenFor } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess } from '../support/services';

/*
 * The access matrix, generated from the routes themselves: each service's OpenAPI document lists every operation with
 * the rule its @Access decorator declares (x-ctp-access), so a new route appears here on its own, and one without a
 * rule fails the first test. Every route × {no token, expired, wrong issuer, wrong audience, wrong signature, garbage,
 * another organisation, a missing scope, the right token} → 401 / 403 / neither; and the refusals changed nothing.
 */
interface Operation {
  service: string;
  method: string;
  path: string;
  access?: { scopes: string[]; owner: string };
}

const OWN_ORG: Record<string, string | undefined> = {
  'hub-eur': 'IP-HUB-EUR',
  platform: undefined,
  'partner-liaison': undefined,
};
const PARTNER = 'PT-UNODC';

function concrete(path: string): string {
  return path
    .replace('{initiativeId}', 'IP-HUB-EUR-access-matrix')
    .replace('{ref}', PARTNER)
    .replace('{source}', encodeURIComponent('/ctp/hubs/eur'))
    .replace('{localId}', 'access-matrix')
    .replace('{id}', '1');
}

/** The organisation and scope a caller with the right to this route would have. */
function rightCaller(op: Operation): { org: string; scope: string } {
  const { scopes, owner } = op.access!;
  const scope = scopes[0];
  switch (owner) {
    case 'own':
    case 'own-or-gs':
      return { org: OWN_ORG[op.service]!, scope };
    case 'partner-param':
      return scopes.includes('partner') ? { org: PARTNER, scope: 'partner' } : { org: 'IP-GS-CTP', scope };
    default:
      return { org: 'IP-GS-CTP', scope };
  }
}

/** A caller with the right scope but the wrong organisation, where the route cares about the organisation. */
function otherOrg(op: Operation): { org: string; scope: string } | undefined {
  const right = rightCaller(op);
  switch (op.access!.owner) {
    case 'own':
    case 'own-or-gs':
      return { ...right, org: 'IP-HUB-AFR' };
    case 'partner-param':
      return right.scope === 'partner' ? { ...right, org: 'PT-AFRIPOL' } : { org: 'PT-AFRIPOL', scope: right.scope };
    case 'interpol':
    case 'gs':
      return { ...right, org: 'PT-AFRIPOL' };
    default:
      return undefined;
  }
}

function missingScope(op: Operation): string {
  const candidates = ['ops:write', 'partner', 'initiatives:read'];
  return candidates.find((s) => !op.access!.scopes.includes(s))!;
}

describe('HTTP access matrix, from the routes themselves', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  const dbs = {
    hub: TestDatabase.fresh('acl_hub'),
    platform: TestDatabase.fresh('acl_plat'),
    liaison: TestDatabase.fresh('acl_pl'),
  };
  const services: Record<string, ServiceProcess> = {};
  let operations: Operation[] = [];
  let stranger: DevIssuer;
  const strangerDir = mkdtempSync(join(tmpdir(), 'ctp-stranger-issuer-'));

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    const common = { NATS_URL: nats.url, RECONCILE_INTERVAL_MS: '600000' };
    services['hub-eur'] = new ServiceProcess(
      'hub',
      { ...common, HUB_REGION: 'eur', PORT: String(await freePort()), DATABASE_URL: dbs.hub.url },
      'acl-hub-eur',
    );
    services.platform = new ServiceProcess(
      'platform',
      { ...common, PORT: String(await freePort()), DATABASE_URL: dbs.platform.url },
      'acl-platform',
    );
    services['partner-liaison'] = new ServiceProcess(
      'partner-liaison',
      { ...common, PORT: String(await freePort()), DATABASE_URL: dbs.liaison.url },
      'acl-liaison',
    );
    await Promise.all(Object.values(services).map((s) => s.start()));
    nc = await connect({ servers: nats.url });
    stranger = await ensureDevIssuer(strangerDir);
    for (const [name, svc] of Object.entries(services)) {
      const res = await fetch(`${svc.baseUrl}/docs-json`, { headers: await as.analyst() });
      expect(res.status).toBe(200);
      const doc = (await res.json()) as {
        paths: Record<string, Record<string, { 'x-ctp-access'?: Operation['access'] }>>;
      };
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          operations.push({ service: name, method: method.toUpperCase(), path, access: op['x-ctp-access'] });
        }
      }
    }
    operations = operations.sort((a, b) =>
      `${a.service}${a.path}${a.method}`.localeCompare(`${b.service}${b.path}${b.method}`),
    );
  }, 90_000);

  afterAll(async () => {
    await nc?.close();
    await Promise.all(Object.values(services).map((s) => s.stop()));
    await nats?.stop();
    await Promise.all(Object.values(dbs).map((d) => d.drop()));
    rmSync(strangerDir, { recursive: true, force: true });
  });

  async function call(op: Operation, headers: Record<string, string>): Promise<Response> {
    const body = op.method === 'GET' ? undefined : op.path.endsWith(':import') ? 'a,b\n' : '{}';
    const type = op.path.endsWith(':import') ? 'text/csv' : 'application/json';
    return fetch(`${services[op.service].baseUrl}${concrete(op.path)}`, {
      method: op.method,
      headers: { ...headers, ...(body ? { 'content-type': type } : {}) },
      body,
    });
  }

  /** What a refusal must not have changed: events in the stream, and each service's stored state. */
  async function state(): Promise<string> {
    const jsm = await jetstreamManager(nc);
    const events = await jsm.streams.info('CTP_EVENTS').then(
      (i) => i.state.messages,
      () => 0,
    );
    const hub = await dbs.hub.query<{ n: string }>('SELECT count(*) AS n FROM initiatives');
    const partners = await dbs.liaison.query<{ n: string }>('SELECT count(*) AS n FROM partners');
    const decided = await dbs.platform.query<{ n: string }>(
      'SELECT count(*) AS n FROM overlap_pairs WHERE decision IS NOT NULL',
    );
    return JSON.stringify({ events, hub: hub[0].n, partners: partners[0].n, decided: decided[0].n });
  }

  it('finds every route of the three services, each with a declared rule', () => {
    expect(operations.length).toBeGreaterThanOrEqual(25);
    const undeclared = operations.filter((o) => !o.access).map((o) => `${o.service} ${o.method} ${o.path}`);
    expect(undeclared).toEqual([]);
  });

  it('answers 401 to a missing or invalid token on every route, with WWW-Authenticate, and changes nothing', async () => {
    const before = await state();
    const now = Math.floor(Date.now() / 1000);
    for (const op of operations) {
      const right = rightCaller(op);
      const invalid: Record<string, Record<string, string>> = {
        'no token': {},
        garbage: { authorization: 'Bearer not.a.jwt' },
        'not bearer': { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        expired: { authorization: `Bearer ${await tokenFor(right.org, right.scope, { expiresAt: now - 3600 })}` },
        'wrong issuer': {
          authorization: `Bearer ${await tokenFor(right.org, right.scope, { issuer: 'https://elsewhere.example' })}`,
        },
        'wrong audience': {
          authorization: `Bearer ${await tokenFor(right.org, right.scope, { audience: 'another-api' })}`,
        },
        'wrong signature': {
          authorization: `Bearer ${await signToken({ ...stranger, issuer: (await testIssuer()).issuer }, right)}`,
        },
      };
      for (const [what, headers] of Object.entries(invalid)) {
        const res = await call(op, headers);
        expect([`${op.service} ${op.method} ${op.path} ${what}`, res.status]).toEqual([
          `${op.service} ${op.method} ${op.path} ${what}`,
          401,
        ]);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
        const body = (await res.json()) as { statusCode: number; details: { field: string }[] };
        expect(body).toMatchObject({ statusCode: 401, error: 'Unauthorized', details: [{ field: 'Authorization' }] });
      }
    }
    expect(await state()).toBe(before);
  });

  it('answers 403 to a valid token of another organisation or without the scope, naming what is missing, and changes nothing', async () => {
    const before = await state();
    let orgChecks = 0;
    for (const op of operations) {
      const label = `${op.service} ${op.method} ${op.path}`;
      const wrongOrg = otherOrg(op);
      if (wrongOrg) {
        orgChecks++;
        const res = await call(op, { authorization: `Bearer ${await tokenFor(wrongOrg.org, wrongOrg.scope)}` });
        expect([label, 'other org', res.status]).toEqual([label, 'other org', 403]);
        expect(((await res.json()) as { details: { field: string }[] }).details[0].field).toMatch(/^(org|scope)$/);
      }
      const right = rightCaller(op);
      const res = await call(op, { authorization: `Bearer ${await tokenFor(right.org, missingScope(op))}` });
      expect([label, 'missing scope', res.status]).toEqual([label, 'missing scope', 403]);
      expect(((await res.json()) as { details: { field: string; rule: string }[] }).details[0]).toMatchObject({
        field: 'scope',
        rule: 'requiredScope',
      });
    }
    expect(orgChecks).toBeGreaterThan(15);
    expect(await state()).toBe(before);
  });

  it('lets the right token through on every route (whatever the route then says of the request)', async () => {
    for (const op of operations) {
      const right = rightCaller(op);
      const res = await call(op, { authorization: `Bearer ${await tokenFor(right.org, right.scope)}` });
      expect([`${op.service} ${op.method} ${op.path}`, [401, 403].includes(res.status)]).toEqual([
        `${op.service} ${op.method} ${op.path}`,
        false,
      ]);
    }
  });

  it('keeps /health open and silent, /metrics for ops:read, /docs for a valid token', async () => {
    for (const svc of Object.values(services)) {
      const ready = await fetch(`${svc.baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { checks: Record<string, Record<string, unknown>> };
      for (const c of Object.values(body.checks)) expect(Object.keys(c)).toEqual(['ok']);
      expect((await fetch(`${svc.baseUrl}/health/live`)).status).toBe(200);
      expect((await fetch(`${svc.baseUrl}/metrics`)).status).toBe(401);
      expect((await fetch(`${svc.baseUrl}/metrics`, { headers: await as.hub('eur') })).status).toBe(403);
      expect((await fetch(`${svc.baseUrl}/metrics`, { headers: await as.operator() })).status).toBe(200);
      expect((await fetch(`${svc.baseUrl}/docs`)).status).toBe(401);
      expect((await fetch(`${svc.baseUrl}/docs-json`)).status).toBe(401);
    }
  });

  it("declares the bearer scheme and each route's scope in the OpenAPI document", async () => {
    const res = await fetch(`${services['hub-eur'].baseUrl}/docs-json`, { headers: await as.hub('eur') });
    const doc = (await res.json()) as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(doc.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const methods of Object.values(doc.paths))
      for (const op of Object.values(methods)) expect(op.security).toEqual([{ bearer: [] }]);
  });
});
