import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { TestDatabase } from '../support/databases';
import { call, initiativeBody } from '../support/hub-fixtures';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

const UPSERT = 'ctp-intake.hub.asi.initiatives.upsert';
const SUBMIT = 'ctp-intake.hub.asi.initiatives.submit';

/** A regional system using a stock NestJS ClientProxy over NATS, as the README tells it to. */
describe('hub NATS intake', () => {
  let nats: TestNatsServer;
  let hub: ServiceProcess;
  let client: ClientProxy;
  const db = TestDatabase.fresh('intake');
  let env: Record<string, string>;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    env = { HUB_REGION: 'asi', PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: db.url };
    hub = new ServiceProcess('hub', env, 'hub-asi');
    await hub.start();
    client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [nats.url] } });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await hub?.stop();
    await nats?.stop();
    await db.drop();
  });

  it('answers send with the id and version once the change is stored, and the change is the same as over REST', async () => {
    const reply = await firstValueFrom(client.send(UPSERT, initiativeBody({ localId: 'nats-1' })));
    expect(reply).toEqual({
      status: 'ACCEPTED',
      initiativeId: 'IP-HUB-ASI-nats-1',
      version: 1,
      created: true,
      changed: true,
    });
    // Durably accepted: it is already there when the reply arrives.
    const stored = await call<{ version: number }>(hub.baseUrl, 'GET', '/initiatives/IP-HUB-ASI-nats-1');
    expect(stored.body.version).toBe(1);
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events`);
    expect(n).toBe(1);

    const update = await firstValueFrom(
      client.send(UPSERT, initiativeBody({ localId: 'nats-1', description: 'Venue confirmed' })),
    );
    expect(update).toMatchObject({ initiativeId: 'IP-HUB-ASI-nats-1', version: 2, created: false, changed: true });
    const same = await firstValueFrom(
      client.send(UPSERT, initiativeBody({ localId: 'nats-1', description: 'Venue confirmed' })),
    );
    expect(same).toMatchObject({ version: 2, changed: false });
  });

  it('answers an invalid send with the field and the rule, and stores nothing', async () => {
    const before = await db.query(`SELECT count(*)::int AS n FROM outbox_events`);
    const error = await firstValueFrom(
      client.send(
        UPSERT,
        initiativeBody({ localId: 'nats-bad', dates: { plannedStart: '2027-03-05', plannedEnd: '2027-03-01' } }),
      ),
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toMatchObject({
      statusCode: 422,
      details: [expect.objectContaining({ field: 'dates.plannedEnd', rule: 'plannedOrder' })],
    });
    const missingId = await firstValueFrom(client.send(UPSERT, initiativeBody())).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(missingId).toMatchObject({ statusCode: 400, details: [expect.objectContaining({ field: 'localId' })] });
    expect(await db.query(`SELECT count(*)::int AS n FROM outbox_events`)).toEqual(before);
  });

  it('keeps what is emitted while the hub is stopped and applies it once the hub is back', async () => {
    await hub.stop();
    await lastValueFrom(client.emit(SUBMIT, initiativeBody({ localId: 'while-down' })), { defaultValue: undefined });
    await lastValueFrom(
      client.emit(SUBMIT, initiativeBody({ localId: 'while-down', description: 'second thoughts' })),
      {
        defaultValue: undefined,
      },
    );
    // A bad one among them is recorded as rejected and does not hold the others back.
    await lastValueFrom(client.emit(SUBMIT, initiativeBody({ localId: 'bad-emit', kind: 'PARTY' })), {
      defaultValue: undefined,
    });
    await lastValueFrom(client.emit(SUBMIT, initiativeBody({ localId: 'after-bad' })), { defaultValue: undefined });

    hub = new ServiceProcess('hub', env, 'hub-asi-restarted');
    await hub.start();
    const stored = await waitFor('the emitted upserts to be applied', async () => {
      const r = await call<{ version: number; description?: string }>(
        hub.baseUrl,
        'GET',
        '/initiatives/IP-HUB-ASI-while-down',
      );
      return r.status === 200 && r.body.version === 2 ? r.body : undefined;
    });
    expect(stored.description).toBe('second thoughts');
    await waitFor(
      'the one after the bad one',
      async () => (await call(hub.baseUrl, 'GET', '/initiatives/IP-HUB-ASI-after-bad')).status === 200,
    );
    expect((await call(hub.baseUrl, 'GET', '/initiatives/IP-HUB-ASI-bad-emit')).status).toBe(404);
    const rejected = await db.query<{ outcome: string; reason: string }>(
      `SELECT outcome, reason FROM inbox_events WHERE consumer = 'hub-asi-intake' AND outcome = 'REJECTED'`,
    );
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toContain('kind');
  });
});
