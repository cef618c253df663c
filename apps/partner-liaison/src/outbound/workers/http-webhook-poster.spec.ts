import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadOutboundConfig } from '../outbound.config';
import { verifySignature } from '../domain/webhook-signature';
import { HttpWebhookPoster } from './http-webhook-poster';

const SECRET = 'whsec-0123456789abcdef';
const BODY =
  '{"seq":1,"kind":"NOTICE","initiativeId":"PT-UNODC-9","version":null,"payload":{"title":"Formation régionale"},"createdAt":"2025-01-02T03:04:05.000Z"}';

/** A receiver on loopback: HTTP is the poster's whole job, so it is tested against a real server. */
describe('HttpWebhookPoster', () => {
  let server: Server;
  let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void;
  const poster = new HttpWebhookPoster(loadOutboundConfig({ WEBHOOK_TIMEOUT_MS: '300' }));
  const url = (path = '/hook') => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  const post = (u = url()) =>
    poster.post({ url: u, secret: SECRET, deliveryId: 'b6f1c7e2-0000-4000-8000-000000000001', attempt: 2, body: BODY });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('POSTs the exact body, signed, with the delivery id and attempt', async () => {
    let seen: { headers: IncomingMessage['headers']; body: string; method?: string } | undefined;
    handler = (req, body, res) => {
      seen = { headers: req.headers, body, method: req.method };
      res.writeHead(202).end();
    };
    expect(await post()).toEqual({ ok: true, status: 202 });
    expect(seen!.method).toBe('POST');
    expect(seen!.body).toBe(BODY);
    expect(seen!.headers['content-type']).toBe('application/json');
    expect(seen!.headers['x-ctp-delivery-id']).toBe('b6f1c7e2-0000-4000-8000-000000000001');
    expect(seen!.headers['x-ctp-attempt']).toBe('2');
    const ts = seen!.headers['x-ctp-timestamp'] as string;
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(5);
    expect(verifySignature(SECRET, ts, seen!.headers['x-ctp-signature'] as string, seen!.body)).toEqual({ ok: true });
  });

  it('a status other than 2xx is a failure, with the start of what the receiver said', async () => {
    handler = (_req, _body, res) => res.writeHead(503).end(`busy ${'x'.repeat(5000)}`);
    const r = await post();
    expect(r).toMatchObject({ ok: false, status: 503 });
    expect(!r.ok && r.error.startsWith('HTTP 503: busy')).toBe(true);
    expect(!r.ok && r.error.length).toBeLessThan(400);
  });

  it('a redirect is not followed, and is a failure', async () => {
    let followed = false;
    handler = (req, _body, res) => {
      if (req.url === '/elsewhere') followed = true;
      res.writeHead(307, { location: url('/elsewhere') }).end();
    };
    expect(await post()).toMatchObject({ ok: false, status: 307 });
    expect(followed).toBe(false);
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
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await post(`http://127.0.0.1:${port}/hook`);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.error).toMatch(/ECONNREFUSED/);
  });
});
