import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { NatsConnection, nkeys } from '@nats-io/nats-core';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { nkeyAuthenticator } from 'nats';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { DurableConsumers } from '@ctp/contracts';
import { DeadLetterHeaders, NATS_IDENTITIES } from '@ctp/messaging';
import { listDeadLetters, redrive, viewOf } from '../../scripts/dlq';
import { provisionFromEnv } from '../../scripts/nats-provision';
import { addPartner, waitForFeedItem } from '../partner-liaison/outbound-support';
import { authEnv } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { call, initiativeBody } from '../support/hub-fixtures';
import { freePort } from '../support/nats-server';
import { SecuredNatsServer } from '../support/secured-nats';
import { ROOT, ServiceProcess, waitFor } from '../support/services';
import { syncOf } from '../support/sync-view';

const HUB_SOURCE = '/ctp/hubs/eur';
const REPORTED_SUBJECT = 'ctp.hub.eur.initiative.reported.v1';
const UPSERT = 'ctp-intake.hub.eur.initiatives.upsert';
const SUBMIT = 'ctp-intake.hub.eur.initiatives.submit';

/**
 * The whole flow on the shipped nats.conf (nkey users with least-privilege permissions, TLS with client certificates):
 * each service runs with nothing but its own identity, streams and consumers are provisioned by admin, and the server
 * logs no permission violation from start to end.
 */
describe('the whole flow under least privilege on NATS', () => {
  let server: SecuredNatsServer;
  let hub: ServiceProcess;
  let platform: ServiceProcess;
  let liaison: ServiceProcess;
  let client: ClientProxy;
  let admin: NatsConnection;
  let jsm: JetStreamManager;
  const hubDb = TestDatabase.fresh('sec_hub');
  const platformDb = TestDatabase.fresh('sec_plat');
  const liaisonDb = TestDatabase.fresh('sec_liaison');
  const refusedDb = TestDatabase.fresh('sec_refused');
  const scratch = mkdtempSync(join(tmpdir(), 'ctp-secured-flow-'));

  beforeAll(async () => {
    server = await SecuredNatsServer.start();
    await provisionFromEnv(server.env('admin'));
    hub = new ServiceProcess(
      'hub',
      {
        ...server.env('hub-eur'),
        HUB_REGION: 'eur',
        PORT: String(await freePort()),
        DATABASE_URL: hubDb.url,
        RECONCILE_INTERVAL_MS: '300',
        RECONCILE_HEARTBEAT_MS: '1000',
      },
      'sec-hub-eur',
    );
    platform = new ServiceProcess(
      'platform',
      { ...server.env('platform'), PORT: String(await freePort()), DATABASE_URL: platformDb.url },
      'sec-platform',
    );
    liaison = new ServiceProcess(
      'partner-liaison',
      {
        ...server.env('partner-liaison'),
        PORT: String(await freePort()),
        DATABASE_URL: liaisonDb.url,
        RECONCILE_INTERVAL_MS: '300',
        RECONCILE_HEARTBEAT_MS: '1000',
        FEED_RECONCILE_INTERVAL_MS: '300',
      },
      'sec-partner-liaison',
    );
    await Promise.all([hub.start(), platform.start(), liaison.start()]);

    const regional = server.env('regional-eur');
    client = ClientProxyFactory.create({
      transport: Transport.NATS,
      options: {
        servers: [server.url],
        name: 'test-regional-eur',
        inboxPrefix: '_INBOX.regional-eur',
        authenticator: nkeyAuthenticator(
          new TextEncoder().encode(readFileSync(regional.NATS_NKEY_SEED_FILE, 'utf8').trim()),
        ),
        tls: {
          caFile: regional.NATS_TLS_CA_FILE,
          certFile: regional.NATS_TLS_CERT_FILE,
          keyFile: regional.NATS_TLS_KEY_FILE,
        },
      },
    });
    await client.connect();
    admin = await server.connectAs('admin');
    jsm = await jetstreamManager(admin, { checkAPI: false });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await admin?.drain().catch(() => undefined);
    await Promise.all([hub?.stop(), platform?.stop(), liaison?.stop()]);
    await server?.stop();
    await Promise.all([hubDb, platformDb, liaisonDb, refusedDb].map((d) => d.drop()));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('carries a hub initiative to the platform and to a partner covering EUR', async () => {
    const created = await call<{ initiativeId: string; version: number }>(
      hub.baseUrl,
      'POST',
      '/initiatives',
      initiativeBody({ localId: 'sec-rest-1', recipientCountries: ['FR', 'DE'], visibility: 'PARTNER_SHAREABLE' }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ initiativeId: 'IP-HUB-EUR-sec-rest-1', version: 1 });

    const seen = await waitFor('the platform to hold the initiative', async () => {
      const r = await call(platform.baseUrl, 'GET', '/initiatives/IP-HUB-EUR-sec-rest-1');
      return r.status === 200 ? r.body : undefined;
    });
    expect(seen).toMatchObject({ initiativeId: 'IP-HUB-EUR-sec-rest-1', source: HUB_SOURCE, version: 1 });

    await addPartner(liaison, liaisonDb, { ref: 'PT-EUROPOL', regions: ['EUR'] });
    const item = await waitForFeedItem(
      liaison,
      'PT-EUROPOL',
      'the EUR initiative',
      (i) => i.initiativeId === 'IP-HUB-EUR-sec-rest-1',
    );
    expect(item).toMatchObject({ kind: 'INITIATIVE', version: 1 });

    // The partner's own record goes the other way: partner-liaison → platform.
    const own = await call(
      liaison.baseUrl,
      'POST',
      '/partners/PT-EUROPOL/initiatives',
      initiativeBody({ localId: 'sec-partner-1', participatingOrgs: [] }),
    );
    expect(own.status).toBe(201);
    await waitFor(
      "the platform to hold the partner's record",
      async () => (await call(platform.baseUrl, 'GET', '/initiatives/PT-EUROPOL-sec-partner-1')).status === 200,
    );
  });

  it('takes send and emit from the regional system of eur through a NestJS ClientProxy', async () => {
    const reply = await firstValueFrom(client.send(UPSERT, initiativeBody({ localId: 'sec-send-1' })));
    expect(reply).toEqual({
      status: 'ACCEPTED',
      initiativeId: 'IP-HUB-EUR-sec-send-1',
      version: 1,
      created: true,
      changed: true,
    });
    await lastValueFrom(client.emit(SUBMIT, initiativeBody({ localId: 'sec-emit-1' })), { defaultValue: undefined });
    const stored = await waitFor('the emitted upsert to be applied at the hub', async () => {
      const r = await call<{ version: number }>(hub.baseUrl, 'GET', '/initiatives/IP-HUB-EUR-sec-emit-1');
      return r.status === 200 ? r.body : undefined;
    });
    expect(stored.version).toBe(1);
    await waitFor(
      'both to reach the platform',
      async () =>
        (await call(platform.baseUrl, 'GET', '/initiatives/IP-HUB-EUR-sec-send-1')).status === 200 &&
        (await call(platform.baseUrl, 'GET', '/initiatives/IP-HUB-EUR-sec-emit-1')).status === 200,
    );
  });

  it('reconciles the hub with the platform, repairing a lost record over request/reply', async () => {
    await waitFor('a matching digest of the eur hub', async () => {
      const s = await syncOf(platform.baseUrl, HUB_SOURCE);
      return s?.reconciliation?.matched === true && s.records === 3;
    });
    await platformDb.query(`DELETE FROM registry_initiatives WHERE initiative_id = 'IP-HUB-EUR-sec-send-1'`);
    const repaired = await waitFor(
      'a repair, then a matching digest again',
      async () => {
        const s = await syncOf(platform.baseUrl, HUB_SOURCE);
        return s?.reconciliation?.matched && s.reconciliation.repairedTotal > 0 ? s : undefined;
      },
      20_000,
      200,
    );
    expect(repaired.records).toBe(3);
    expect(repaired.reconciliation?.lastRepair).toMatchObject({ requested: 1, resent: 1, unexplained: [] });
    expect((await call(platform.baseUrl, 'GET', '/initiatives/IP-HUB-EUR-sec-send-1')).status).toBe(200);
  });

  it('lists and re-drives a dead letter of the platform with the admin identity', async () => {
    const { platformHubs, liaisonHubs } = DurableConsumers;
    await jetstream(admin).publish(REPORTED_SUBJECT, 'this is { not JSON');
    const [letter] = await waitFor('the platform to dead-letter it', async () => {
      const l = await listDeadLetters(jsm, platformHubs);
      return l.length === 1 ? l : undefined;
    });
    expect(viewOf(letter)).toMatchObject({
      consumer: platformHubs,
      reason: 'UNDECODABLE',
      originalSubject: REPORTED_SUBJECT,
    });
    // partner-liaison reads the same subjects and dead-letters it on its own.
    await waitFor(
      'partner-liaison to dead-letter it',
      async () => (await listDeadLetters(jsm, liaisonHubs)).length === 1,
    );

    const done = await redrive(server.url, 'all', platformHubs, server.env('admin'));
    expect(done).toEqual([{ seq: letter.seq, subject: REPORTED_SUBJECT, newSeq: expect.any(Number) }]);
    // Still not JSON: the platform consumed the re-driven copy and dead-lettered it again, under a new sequence.
    const again = await waitFor('the re-driven copy to come back', async () => {
      const l = await listDeadLetters(jsm, platformHubs);
      return l.length === 1 && l[0].seq !== letter.seq ? l[0] : undefined;
    });
    expect(again.header?.get('Ctp-Redriven-From')).toBe(String(letter.seq));
    expect(again.header?.get(DeadLetterHeaders.reason)).toBe('UNDECODABLE');
  });

  it('logs no permission violation on the server for any identity during the flow', async () => {
    // Let the latest reconciliation rounds and acknowledgements go through before reading the log.
    await new Promise((r) => setTimeout(r, 1500));
    const owners = new Map<string, string>();
    for (const identity of NATS_IDENTITIES) {
      const seed = readFileSync(server.env(identity).NATS_NKEY_SEED_FILE, 'utf8').trim();
      owners.set(nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey(), identity);
    }
    const offending = server
      .log()
      .split('\n')
      .filter((l) => /Violation/i.test(l))
      .map((l) => {
        const who = [...owners].find(([key]) => l.includes(key));
        return who ? `[${who[1]}] ${l}` : l;
      });
    if (offending.length > 0) throw new Error(`the server logged violations:\n${offending.join('\n')}`);
    // Nor did any service hear of one (nats.js reports them as asynchronous errors).
    const heard = [hub, platform, liaison].flatMap((p) =>
      p
        .logs()
        .split('\n')
        .filter((l) => /Violation/i.test(l))
        .map((l) => `[${p.name}] ${l}`),
    );
    if (heard.length > 0) throw new Error(`services logged violations:\n${heard.join('\n')}`);
    expect(server.log()).toContain('Server is ready');
  });

  it('exits a hub whose nkey the server does not know, with one fatal line naming the seed file and not the seed', async () => {
    const unknown = nkeys.createUser();
    const seed = new TextDecoder().decode(unknown.getSeed());
    const seedFile = join(scratch, 'unknown-hub.nk');
    writeFileSync(seedFile, `${seed}\n`, { mode: 0o600 });
    const real = server.env('hub-eur');
    const started = Date.now();
    const proc = spawn(process.execPath, [join(ROOT, 'dist/apps/hub/src/main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'info',
        // Accepts the tests' tokens, so that it gets as far as NATS (a service without an issuer does not start).
        ...(await authEnv()),
        ...real,
        NATS_NKEY_SEED_FILE: seedFile,
        HUB_REGION: 'eur',
        PORT: String(await freePort()),
        DATABASE_URL: refusedDb.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | string | null>((resolve) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        resolve('still running after 15 s');
      }, 15_000);
      proc.once('exit', (c, signal) => {
        clearTimeout(timer);
        resolve(c ?? signal);
      });
    });
    const elapsed = Date.now() - started;
    if (code !== 1) throw new Error(`exit ${String(code)} after ${elapsed} ms; output:\n${output.slice(-3000)}`);
    expect(elapsed).toBeLessThan(15_000);
    expect(output).not.toContain(seed);
    // The refusal is said once, naming the seed file (never the seed), …
    const refusal = output.split('\n').filter((l) => l.includes('Authorization Violation'));
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toContain(`NATS_NKEY_SEED_FILE=${seedFile}`);
    // The server saw the attempt too.
    expect(server.log()).toContain(`authentication error - Nkey "${unknown.getPublicKey()}"`);
    // … on the one fatal JSON line of the start-up failure.
    const fatal = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.level === 'fatal');
    if (fatal.length !== 1 || !JSON.stringify(fatal[0]).includes('Authorization Violation')) {
      throw new Error(
        `expected exactly one fatal JSON line saying NATS refused the hub, got ${fatal.length}; output:\n${output}`,
      );
    }
    expect(fatal[0]).toMatchObject({ service: 'hub-eur', msg: 'service failed to start' });
    expect(String(fatal[0].err)).toContain(seedFile);
  });
});
