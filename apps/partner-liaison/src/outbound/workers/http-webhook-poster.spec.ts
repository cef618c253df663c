import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { DestinationGuard, Resolver } from '../../webhooks/destination-guard';
import { generateWebhookSecret } from '../../webhooks/webhook-secrets';
import { loadOutboundConfig } from '../outbound.config';
import { HttpWebhookPoster } from './http-webhook-poster';

const SECRET = generateWebhookSecret();
const PREVIOUS = generateWebhookSecret();
const ID = 'b6f1c7e2-0000-4000-8000-000000000001';
const BODY =
  '{"seq":1,"kind":"NOTICE","initiativeId":"PT-UNODC-9","version":null,"payload":{"title":"Formation régionale"},"createdAt":"2025-01-02T03:04:05.000Z"}';

/** A receiver on loopback: HTTP is the poster's whole job, so it is tested against a real server. */
describe('HttpWebhookPoster', () => {
  let server: Server;
  let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void;
  const seen: { url?: string; headers: IncomingMessage['headers']; body: string; method?: string }[] = [];
  // Names resolve here, not through DNS: `rebound.test` to loopback, `public.test` to a public address.
  const names: Record<string, string> = { 'rebound.test': '127.0.0.1', 'public.test': '93.184.215.14' };
  const resolver: Resolver = async (host) => {
    if (!names[host]) throw Object.assign(new Error('no'), { code: 'ENOTFOUND' });
    return [{ address: names[host], family: 4 }];
  };
  const guard = (allowPrivateDestinations: boolean, allowHttp = true) =>
    new DestinationGuard({ allowHttp, allowPrivateDestinations }, resolver);
  const poster = (g = guard(true)) => new HttpWebhookPoster(loadOutboundConfig({ WEBHOOK_TIMEOUT_MS: '300' }), g);
  const port = () => (server.address() as AddressInfo).port;
  const url = (path = '/hook', host = '127.0.0.1') => `http://${host}:${port()}${path}`;
  const post = (u = url(), p = poster(), secrets = [SECRET]) =>
    p.post({ url: u, secrets, deliveryId: ID, attempt: 2, body: BODY });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ url: req.url, headers: req.headers, body, method: req.method });
        handler(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('POSTs the exact body with Standard Webhooks headers that the standardwebhooks package verifies', async () => {
    handler = (_req, _body, res) => res.writeHead(202).end();
    expect(await post()).toEqual({ ok: true, status: 202 });
    const [r] = seen;
    expect(r.method).toBe('POST');
    expect(r.body).toBe(BODY);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['webhook-id']).toBe(ID);
    expect(r.headers['x-ctp-delivery-id']).toBe(ID);
    expect(r.headers['x-ctp-attempt']).toBe('2');
    expect(r.headers['x-ctp-signature']).toBeUndefined();
    expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(SECRET).verify(r.body, r.headers as Record<string, string>)).toEqual(JSON.parse(BODY));
    expect(() => new Webhook(PREVIOUS).verify(r.body, r.headers as Record<string, string>)).toThrow();
  });

  it('signs with every secret given (a rotation): either verifies', async () => {
    handler = (_req, _body, res) => res.writeHead(200).end();
    await post(url(), poster(), [SECRET, PREVIOUS]);
    const headers = seen[0].headers as Record<string, string>;
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(SECRET).verify(BODY, headers)).not.toThrow();
    expect(() => new Webhook(PREVIOUS).verify(BODY, headers)).not.toThrow();
  });

  it('a status other than 2xx is a failure, and what the receiver said is neither kept nor repeated', async () => {
    handler = (_req, _body, res) => res.writeHead(503).end(`busy: internal detail ${'x'.repeat(5000)}`);
    const r = await post();
    expect(r).toEqual({ ok: false, status: 503, error: 'HTTP 503' });
  });

  it('a redirect is not followed, and is a failure (its body is not read either)', async () => {
    handler = (req, _body, res) => {
      if (req.url === '/elsewhere') return res.writeHead(200).end();
      res.writeHead(307, { location: url('/elsewhere') }).end('see /elsewhere, secret stuff');
    };
    expect(await post()).toEqual({ ok: false, status: 307, error: 'HTTP 307' });
    expect(seen.map((s) => s.url)).toEqual(['/hook']);
  });

  it('no answer within the timeout is a failure', async () => {
    handler = () => undefined;
    const started = Date.now();
    expect(await post()).toEqual({ ok: false, error: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('nobody listening is a failure naming the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const p = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await post(`http://127.0.0.1:${p}/hook`)).toEqual({ ok: false, error: 'network error (ECONNREFUSED)' });
  });

  it('refuses, without connecting, an address literal that is not public', async () => {
    handler = (_req, _body, res) => res.writeHead(200).end();
    const strict = poster(guard(false));
    expect(await post(url(), strict)).toEqual({ ok: false, error: 'destination refused: not a public address' });
    expect(await post(url('/hook', '[::ffff:127.0.0.1]'), strict)).toMatchObject({ ok: false });
    expect(seen).toEqual([]);
  });

  it('refuses a name that resolves to loopback at connection time (DNS rebinding), without connecting', async () => {
    handler = (_req, _body, res) => res.writeHead(200).end();
    const r = await post(url('/hook', 'rebound.test'), poster(guard(false)));
    expect(r).toEqual({ ok: false, error: 'destination refused: the host resolves to a loopback address' });
    expect(seen).toEqual([]);
  });

  it('connects to the address its own lookup checked', async () => {
    handler = (_req, _body, res) => res.writeHead(204).end();
    expect(await post(url('/hook', 'rebound.test'), poster(guard(true)))).toEqual({ ok: true, status: 204 });
    expect(seen[0].headers.host).toBe(`rebound.test:${port()}`);
  });

  it('refuses http:// when only https:// is allowed', async () => {
    const r = await post(url('/hook', 'public.test'), poster(guard(false, false)));
    expect(r).toEqual({ ok: false, error: 'destination refused: only https:// destinations are allowed' });
  });

  it('a name that does not resolve is a failure in our own words', async () => {
    expect(await post(url('/hook', 'nowhere.test'))).toEqual({ ok: false, error: 'DNS lookup failed (ENOTFOUND)' });
  });
});
