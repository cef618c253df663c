import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { connect } from '@nats-io/transport-node';
import { headers as natsHeaders, NatsConnection } from '@nats-io/nats-core';
import { firstValueFrom } from 'rxjs';
import { TestDatabase } from '../support/databases';
import { call, initiativeBody } from '../support/hub-fixtures';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

const UPSERT = 'ctp-intake.hub.asi.initiatives.upsert';
const WITHDRAW = 'ctp-intake.hub.asi.initiatives.withdraw';

interface Reply {
  id?: unknown;
  response?: { status: string; initiativeId: string; version: number; withdrawnAt: string };
  err?: { statusCode: number; error: string; message: string; details: { field: string; rule: string }[] };
  isDisposed?: boolean;
}

/**
 * Withdrawal over NATS intake (`ctp-intake.hub.<region>.initiatives.withdraw`, request/reply): the same use case as
 * REST `POST /initiatives/:id/withdraw`, the same refusals with the same bodies, from a stock NestJS ClientProxy and
 * from a plain NATS client sending the body alone.
 */
describe('hub NATS intake: withdraw', () => {
  let nats: TestNatsServer;
  let hub: ServiceProcess;
  let client: ClientProxy;
  let plain: NatsConnection;
  const db = TestDatabase.fresh('intake_wd');

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    hub = new ServiceProcess(
      'hub',
      { HUB_REGION: 'asi', PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: db.url },
      'hub-asi-withdraw',
    );
    await hub.start();
    client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [nats.url] } });
    await client.connect();
    plain = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await plain?.close();
    await client?.close();
    await hub?.stop();
    await nats?.stop();
    await db.drop();
  });

  /** A plain NATS request with the body alone: the hub's whole reply. */
  async function request(body: unknown, correlationId?: string): Promise<Reply> {
    const h = natsHeaders();
    if (correlationId) h.set('X-Correlation-Id', correlationId);
    const msg = await plain.request(WITHDRAW, typeof body === 'string' ? body : JSON.stringify(body), {
      timeout: 10_000,
      headers: h,
    });
    return msg.json<Reply>();
  }

  async function report(localId: string): Promise<number> {
    const r = await firstValueFrom(client.send(UPSERT, initiativeBody({ localId })));
    return (r as { version: number }).version;
  }

  const outboxCount = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events`))[0].n;

  it('withdraws at the version sent, after the commit: the record is withdrawn with the reason, one withdrawn event', async () => {
    expect(await report('wd-1')).toBe(1);
    const before = await outboxCount();
    const reply = await request(
      { localId: 'wd-1', reason: '  reported in error: a drill  ', expectedVersion: 1 },
      'wd-corr-1',
    );
    expect(reply).toEqual({
      response: {
        status: 'ACCEPTED',
        initiativeId: 'IP-HUB-ASI-wd-1',
        version: 2,
        withdrawnAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
      isDisposed: true,
    });
    const stored = await call<{ version: number; withdrawal?: { reason: string; withdrawnAt: string } }>(
      hub.baseUrl,
      'GET',
      '/initiatives/IP-HUB-ASI-wd-1',
    );
    expect(stored.body.version).toBe(2);
    expect(stored.body.withdrawal).toEqual({
      reason: 'reported in error: a drill',
      withdrawnAt: reply.response!.withdrawnAt,
    });
    const events = await db.query<{ type: string; correlation_id: string | null }>(
      `SELECT payload::jsonb->>'type' AS type, correlation_id FROM outbox_events ORDER BY id DESC LIMIT 1`,
    );
    expect(await outboxCount()).toBe(before + 1);
    expect(events).toEqual([{ type: 'ctp.initiative.withdrawn.v1', correlation_id: 'wd-corr-1' }]);
    const [row] = await db.query<{ changed_by_sub: string }>(
      `SELECT changed_by_sub FROM initiatives WHERE initiative_id = 'IP-HUB-ASI-wd-1'`,
    );
    expect(row.changed_by_sub).toBe('nats:regional-asi');
    // The hub's log is written asynchronously: wait for both lines.
    const lines = await waitFor('the intake lines of IP-HUB-ASI-wd-1', async () => {
      const found = hub
        .logLines()
        .filter((l) => l.msg === 'NATS intake request' && l.initiativeId === 'IP-HUB-ASI-wd-1');
      return found.length >= 2 ? found : undefined;
    });
    expect(lines).toEqual([
      expect.objectContaining({ outcome: 'CREATED', version: 1 }),
      expect.objectContaining({ outcome: 'WITHDRAWN', version: 2 }),
    ]);
  });

  it('takes the initiativeId the hub gave back, without expectedVersion (whatever is current), from a NestJS ClientProxy', async () => {
    await report('wd-2');
    await firstValueFrom(client.send(UPSERT, initiativeBody({ localId: 'wd-2', description: 'v2' })));
    const response = await firstValueFrom(
      client.send(WITHDRAW, { initiativeId: 'IP-HUB-ASI-wd-2', reason: 'reported twice' }),
    );
    expect(response).toMatchObject({ status: 'ACCEPTED', initiativeId: 'IP-HUB-ASI-wd-2', version: 3 });
  });

  it('refuses what REST refuses, with the same status and body, and stores nothing', async () => {
    await report('wd-stale');
    await firstValueFrom(client.send(UPSERT, initiativeBody({ localId: 'wd-stale', description: 'v2' })));
    await report('wd-done');
    expect((await request({ localId: 'wd-done', reason: 'first' })).response?.version).toBe(2);

    const cases: { what: string; nats: Record<string, unknown>; rest: [string, unknown, Record<string, string>] }[] = [
      {
        what: 'not at the version sent (412)',
        nats: { localId: 'wd-stale', reason: 'oops', expectedVersion: 1 },
        rest: ['/initiatives/IP-HUB-ASI-wd-stale/withdraw', { reason: 'oops' }, { 'if-match': '"1"' }],
      },
      {
        what: 'already withdrawn (409)',
        nats: { localId: 'wd-done', reason: 'again' },
        rest: ['/initiatives/IP-HUB-ASI-wd-done/withdraw', { reason: 'again' }, {}],
      },
      {
        what: 'another organisation’s id (403)',
        nats: { initiativeId: 'IP-HUB-EUR-theirs', reason: 'not ours' },
        rest: ['/initiatives/IP-HUB-EUR-theirs/withdraw', { reason: 'not ours' }, {}],
      },
      {
        what: 'no such record (404)',
        nats: { localId: 'never-reported', reason: 'gone' },
        rest: ['/initiatives/IP-HUB-ASI-never-reported/withdraw', { reason: 'gone' }, {}],
      },
      {
        what: 'no reason (400)',
        nats: { localId: 'wd-stale', reason: '   ' },
        rest: ['/initiatives/IP-HUB-ASI-wd-stale/withdraw', { reason: '   ' }, {}],
      },
    ];
    const before = await outboxCount();
    for (const c of cases) {
      const reply = await request(c.nats);
      const rest = await call(hub.baseUrl, 'POST', c.rest[0], c.rest[1], c.rest[2]);
      expect([c.what, reply.response, reply.err?.statusCode]).toEqual([c.what, undefined, rest.status]);
      expect([c.what, reply.err]).toEqual([c.what, rest.body]);
    }
    expect(await outboxCount()).toBe(before);
    const stale = await call<{ version: number; withdrawal?: unknown }>(
      hub.baseUrl,
      'GET',
      '/initiatives/IP-HUB-ASI-wd-stale',
    );
    expect(stale.body).toMatchObject({ version: 2 });
    expect(stale.body.withdrawal).toBeUndefined();
  });

  it('answers a malformed request 400 naming every field at once, and a NestJS client gets it as its error', async () => {
    const reply = await request({ localId: 'bad id!', expectedVersion: 0, note: 'x', initiativeId: 7 });
    expect(reply.err?.statusCode).toBe(400);
    expect(reply.err?.details.map((d) => [d.field, d.rule]).sort()).toEqual(
      [
        ['note', 'whitelistValidation'],
        ['localId', 'matches'],
        ['initiativeId', 'isString'],
        ['expectedVersion', 'isInt'],
        ['reason', 'isNotEmpty'],
      ].sort(),
    );
    const neither = await request({ reason: 'which one?' });
    expect(neither.err?.details).toEqual([expect.objectContaining({ field: 'localId', rule: 'isDefined' })]);
    const disagree = await request({ localId: 'wd-stale', initiativeId: 'IP-HUB-ASI-wd-1', reason: 'x' });
    expect(disagree.err?.details).toEqual([expect.objectContaining({ field: 'initiativeId', rule: 'matchesLocalId' })]);
    expect((await request('not json')).err).toMatchObject({ statusCode: 400, message: 'the request is not JSON' });
    expect((await request([1, 2])).err?.details).toEqual([
      expect.objectContaining({ field: 'body', rule: 'isObject' }),
    ]);

    const error = await firstValueFrom(client.send(WITHDRAW, { localId: 'wd-stale' })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toMatchObject({ statusCode: 400, details: [expect.objectContaining({ field: 'reason' })] });
  });
});
