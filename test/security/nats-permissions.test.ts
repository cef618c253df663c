import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import {
  ConnectionOptions,
  delay,
  Msg,
  NatsConnection,
  nkeyAuthenticator,
  nkeys,
  PermissionViolationError,
  Subscription,
} from '@nats-io/nats-core';
import { AckPolicy, jetstream, jetstreamManager, JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { HUB_REGIONS } from '@ctp/contracts';
import { certPaths, NATS_IDENTITIES, NatsIdentity, seedPath } from '@ctp/messaging';
import { provisionJetStream } from '../../scripts/nats-provision';
import { SecuredNatsServer } from '../support/secured-nats';

/**
 * The NATS permission matrix (docs/security.md "NATS", mirroring nats-server's auth tests), against a private
 * nats-server running the shipped deploy/nats/nats.conf with identities from the project's own generator.
 */

const REQUEST_TIMEOUT = 1000;
/** How long "nothing arrived" is waited for, after the server has already answered the publisher. */
const QUIET_MS = 300;

const SERVICES_AND_REGIONAL = NATS_IDENTITIES.filter((i) => i !== 'admin');
const EVENTS = 'CTP_EVENTS';
const DLQ = 'CTP_DEAD_LETTERS';
const INTAKE = 'CTP_INTAKE';
const PROVISIONED_CONSUMERS: Record<string, string[]> = {
  [EVENTS]: ['liaison-hubs', 'liaison-overlaps', 'platform-hubs', 'platform-partners'],
  [DLQ]: [],
  [INTAKE]: HUB_REGIONS.map((r) => `hub-${r}-intake`).sort(),
};

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** A connection and every error the server sent it (publish and subscription violations arrive that way). */
interface Watched {
  identity: NatsIdentity;
  nc: NatsConnection;
  errors: Error[];
}

/** Core subjects `identity` must not publish to: other organisations' events and intake. */
function forbiddenPublish(identity: NatsIdentity): string[] {
  const [kind, region] = identity.split('-');
  const otherHub = HUB_REGIONS.find((r) => r !== region) ?? 'afr';
  const subjects = [`ctp.hub.${otherHub}.initiative.reported.v1`];
  if (identity !== 'partner-liaison') subjects.push('ctp.partner.unodc.initiative.reported.v1');
  if (identity !== 'platform') subjects.push('ctp.platform.overlap.detected.v1');
  if (kind === 'regional') {
    // Not even its own hub's events: a regional system talks to its hub, it does not speak as it.
    subjects.push(
      `ctp.hub.${region}.initiative.reported.v1`,
      `ctp-intake.hub.${otherHub}.initiatives.submit`,
      `ctp-intake.hub.${otherHub}.initiatives.withdraw`,
    );
  }
  if (kind === 'hub') {
    subjects.push(`ctp-intake.hub.${otherHub}.initiatives.upsert`, `ctp-intake.hub.${otherHub}.initiatives.withdraw`);
  }
  return subjects;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The line nats-server logs for a refused publish or subscription of a connection made by `connectAs(identity)`. */
function violationLine(identity: NatsIdentity, what: 'Publish' | 'Subscription', subject: string): RegExp {
  return new RegExp(
    `"[^"]*:test-${escape(identity)}" - ${what} Violation - Nkey "U[A-Z2-7]{55}", Subject "${escape(subject)}"`,
  );
}

function isPermissionViolation(err: unknown): boolean {
  if (err instanceof PermissionViolationError) return true;
  const e = err as { message?: string; cause?: unknown } | undefined;
  return /permissions violation/i.test(e?.message ?? '') || (e?.cause !== undefined && isPermissionViolation(e.cause));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

describe('NATS permissions on the shipped configuration', () => {
  let server: SecuredNatsServer;
  let admin: Watched;
  let jsm: JetStreamManager;
  const watched = new Map<NatsIdentity, Watched>();
  const extra: NatsConnection[] = [];

  function watch(identity: NatsIdentity, nc: NatsConnection): Watched {
    const w: Watched = { identity, nc, errors: [] };
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') w.errors.push(s.error);
    })();
    return w;
  }

  /** One connection per identity for the whole file, made as the services make theirs. */
  async function as(identity: NatsIdentity): Promise<Watched> {
    let w = watched.get(identity);
    if (!w) {
      w = watch(identity, await server.connectAs(identity));
      watched.set(identity, w);
    }
    return w;
  }

  /** Connects with explicit options (the refused cases): resolves to the error, or closes and fails. */
  async function connectError(options: Partial<ConnectionOptions>): Promise<Error> {
    try {
      const nc = await connect({ servers: server.url, timeout: 3000, reconnect: false, ...options });
      extra.push(nc);
      throw new Error('connected, but should have been refused');
    } catch (err) {
      return err as Error;
    }
  }

  /** The violations the server reported to `w` for `operation` on `subject`. */
  function violations(w: Watched, operation: 'publish' | 'subscription', subject: string): PermissionViolationError[] {
    return w.errors.filter(
      (e): e is PermissionViolationError =>
        e instanceof PermissionViolationError && e.operation === operation && e.subject === subject,
    );
  }

  async function expectViolation(w: Watched, operation: 'publish' | 'subscription', subject: string): Promise<void> {
    await until(
      `a ${operation} violation on ${subject} for ${w.identity}`,
      () => violations(w, operation, subject).length > 0,
    );
  }

  /** Everything admin sees on `subjects` while `run` runs (and QUIET_MS after). */
  async function adminSees(subjects: string[], run: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const subs = subjects.map((s) =>
      admin.nc.subscribe(s, {
        callback: (_e, m) => {
          seen.push(m.subject);
        },
      }),
    );
    await admin.nc.flush();
    try {
      await run();
      await admin.nc.flush();
      await delay(QUIET_MS);
    } finally {
      for (const s of subs) s.unsubscribe();
    }
    return seen;
  }

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const s of [EVENTS, DLQ, INTAKE]) out[s] = (await jsm.streams.info(s)).state.messages;
    return out;
  }

  /** Streams, their configuration and message counts, consumers and their configuration: what a refusal must keep. */
  async function jetStreamState(): Promise<unknown> {
    const streams: Record<string, unknown> = {};
    for await (const si of jsm.streams.list()) {
      const consumers: Record<string, unknown> = {};
      for await (const ci of jsm.consumers.list(si.config.name)) consumers[ci.name] = ci.config;
      streams[si.config.name] = { config: si.config, messages: si.state.messages, consumers };
    }
    return streams;
  }

  /** The monitoring endpoint of the private server (its nats.conf has the port). */
  async function subscriptionsOf(connectionName: string): Promise<string[]> {
    const conf = readFileSync(join(server.dir, 'nats.conf'), 'utf8');
    const http = /^http:\s*(\S+)$/m.exec(conf)?.[1];
    const res = await fetch(`http://${http}/connz?subs=1`);
    const body = (await res.json()) as { connections: { name?: string; subscriptions_list?: string[] }[] };
    const c = body.connections.find((x) => x.name === connectionName);
    if (!c) throw new Error(`no connection named ${connectionName}`);
    return c.subscriptions_list ?? [];
  }

  beforeAll(async () => {
    server = await SecuredNatsServer.start();
    admin = await as('admin');
    jsm = await jetstreamManager(admin.nc, { checkAPI: false });
    await provisionJetStream(jsm, { replicas: 1, platformAckWaitMs: 30000 });
    // Something to lose: an event in CTP_EVENTS and a dead letter.
    const js = jetstream(admin.nc);
    await js.publish('ctp.hub.mde.initiative.reported.v1', enc('{"seed":1}'));
    await js.publish('ctpdlq.platform-hubs.ctp.hub.mde.initiative.reported.v1', enc('{"restricted":true}'));
  }, 60_000);

  afterAll(async () => {
    for (const w of watched.values()) await w.nc.close().catch(() => undefined);
    for (const nc of extra) await nc.close().catch(() => undefined);
    await server?.stop();
  });

  describe('1, 7. wrong or absent credentials are refused', () => {
    const tlsOf = (identity: NatsIdentity) => {
      const p = certPaths(server.identitiesDir, identity);
      return { caFile: p.ca, certFile: p.cert, keyFile: p.key };
    };
    const nkeyOf = (identity: NatsIdentity) =>
      nkeyAuthenticator(enc(readFileSync(seedPath(server.identitiesDir, identity), 'utf8').trim()));

    it('no TLS settings: the server demands TLS and its certificate is not trusted', async () => {
      const err = await connectError({});
      expect(err.message).toMatch(/certificate/i);
    });

    /** The server's own account of it: the handshake was refused for want of a client certificate. */
    const noCertificateLines = () =>
      server.log().split("TLS handshake error: tls: client didn't provide a certificate").length - 1;
    /** What the client sees depends on timing (an alert, or the socket reset); never a session, never an auth error. */
    const HANDSHAKE_FAILURE = /bad certificate|certificate required|ECONNRESET|EPIPE|handshake|socket|closed/i;

    it('TLS trusting the CA, but no client certificate and no nkey: the handshake fails', async () => {
      const before = noCertificateLines();
      const err = await connectError({ tls: { caFile: tlsOf('hub-eur').caFile } });
      expect(err.message).toMatch(HANDSHAKE_FAILURE);
      expect(err.message).not.toMatch(/authorization/i);
      await until('the handshake error in the server log', () => noCertificateLines() === before + 1);
    });

    it('7. no client certificate, even with a valid nkey: the handshake fails', async () => {
      const before = noCertificateLines();
      const err = await connectError({ tls: { caFile: tlsOf('hub-eur').caFile }, authenticator: nkeyOf('hub-eur') });
      expect(err.message).toMatch(HANDSHAKE_FAILURE);
      expect(err.message).not.toMatch(/authorization/i);
      await until('the handshake error in the server log', () => noCertificateLines() === before + 1);
    });

    it('a valid client certificate but no nkey: Authorization Violation', async () => {
      const err = await connectError({ tls: tlsOf('hub-eur') });
      expect(err.message).toMatch(/Authorization Violation/);
      expect(server.log()).toMatch(/authentication error - Nkey ""/);
    });

    it('a valid client certificate and an nkey the server does not know: Authorization Violation', async () => {
      const stranger = nkeys.createUser();
      const err = await connectError({ tls: tlsOf('hub-eur'), authenticator: nkeyAuthenticator(stranger.getSeed()) });
      expect(err.message).toMatch(/Authorization Violation/);
      await until('the stranger in the server log', () =>
        server.log().includes(`authentication error - Nkey "${stranger.getPublicKey()}"`),
      );
    });

    it('positive control: the same certificate with its nkey connects', async () => {
      const nc = await connect({
        servers: server.url,
        timeout: 3000,
        reconnect: false,
        tls: tlsOf('hub-eur'),
        authenticator: nkeyOf('hub-eur'),
        inboxPrefix: '_INBOX.hub-eur',
      });
      extra.push(nc);
      await nc.flush();
      expect(nc.isClosed()).toBe(false);
    });
  });

  describe('2. a forbidden core publish gets a permissions violation and reaches no subscriber', () => {
    it.each(SERVICES_AND_REGIONAL)('%s', async (identity) => {
      const w = await as(identity);
      const subjects = forbiddenPublish(identity);
      const before = await counts();
      const seen = await adminSees(subjects, async () => {
        for (const s of subjects) w.nc.publish(s, enc(`{"from":"${identity}"}`));
        for (const s of subjects) await expectViolation(w, 'publish', s);
      });
      expect(seen).toEqual([]);
      expect(await counts()).toEqual(before);
      expect(w.nc.isClosed()).toBe(false);
      const log = server.log();
      for (const s of subjects) expect(log).toMatch(violationLine(identity, 'Publish', s));
    });
  });

  describe('3. a forbidden JetStream publish is rejected and nothing is stored', () => {
    it.each(SERVICES_AND_REGIONAL)('%s', async (identity) => {
      const w = await as(identity);
      const js = jetstream(w.nc, { timeout: REQUEST_TIMEOUT });
      const subjects = forbiddenPublish(identity).filter((s) => s.startsWith('ctp.') || s.endsWith('.submit'));
      const before = await counts();
      for (const s of subjects) {
        const err = await js.publish(s, enc('{}')).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect([s, isPermissionViolation(err)]).toEqual([s, true]);
      }
      expect(await counts()).toEqual(before);
    });

    it('positive control: hub-eur publishes its own event through JetStream and it is stored', async () => {
      const js = jetstream((await as('hub-eur')).nc, { timeout: REQUEST_TIMEOUT });
      const before = await counts();
      const ack = await js.publish('ctp.hub.eur.initiative.reported.v1', enc('{"from":"hub-eur"}'));
      expect(ack.stream).toBe(EVENTS);
      expect(await counts()).toEqual({ ...before, [EVENTS]: before[EVENTS] + 1 });
    });

    it('positive control: regional-eur emits to its hub (captured by CTP_INTAKE, which sends no acknowledgement)', async () => {
      const regional = (await as('regional-eur')).nc;
      const before = await counts();
      regional.publish('ctp-intake.hub.eur.initiatives.submit', enc('{"from":"regional-eur"}'));
      await regional.flush();
      await until('the emit to be stored', async () => (await counts())[INTAKE] === before[INTAKE] + 1);
      expect(await counts()).toEqual({ ...before, [INTAKE]: before[INTAKE] + 1 });
      // no_ack: a JetStream publish, which waits for an acknowledgement, gets none.
      const js = jetstream(regional, { timeout: 500 });
      await expect(
        js.publish('ctp-intake.hub.eur.initiatives.submit', enc('{"from":"regional-eur"}')),
      ).rejects.toThrow();
    });
  });

  describe('consuming: each service reads its own durable consumers only', () => {
    async function pull(identity: NatsIdentity, stream: string, durable: string): Promise<string[]> {
      const js = jetstream((await as(identity)).nc, { timeout: REQUEST_TIMEOUT });
      const consumer = await js.consumers.get(stream, durable);
      const subjects: string[] = [];
      const messages = await consumer.fetch({ max_messages: 10, expires: 1000 });
      for await (const m of messages) {
        subjects.push(m.subject);
        m.ack();
      }
      return subjects;
    }

    it('positive control: platform pulls and acknowledges from platform-hubs', async () => {
      await jetstream((await as('hub-eur')).nc).publish('ctp.hub.eur.initiative.updated.v1', enc('{}'));
      const subjects = await pull('platform', EVENTS, 'platform-hubs');
      expect(subjects).toContain('ctp.hub.eur.initiative.updated.v1');
      await (await as('platform')).nc.flush();
      await until(
        'the acknowledgements',
        async () => (await jsm.consumers.info(EVENTS, 'platform-hubs')).num_ack_pending === 0,
      );
      expect((await jsm.consumers.info(EVENTS, 'platform-hubs')).ack_floor.stream_seq).toBeGreaterThan(0);
    });

    it('positive control: hub-eur pulls what regional-eur emitted from hub-eur-intake', async () => {
      const subjects = await pull('hub-eur', INTAKE, 'hub-eur-intake');
      expect(subjects).toContain('ctp-intake.hub.eur.initiatives.submit');
    });

    it("positive control: hub-eur reads its own events back through its recovery consumer (a restore's start-up check)", async () => {
      await jetstream((await as('hub-eur')).nc).publish('ctp.hub.eur.initiative.reported.v1', enc('{"own":1}'));
      const hubJsm = await jetstreamManager((await as('hub-eur')).nc, { checkAPI: false, timeout: REQUEST_TIMEOUT });
      await hubJsm.consumers.add(EVENTS, {
        name: 'hub-eur-recovery',
        filter_subject: 'ctp.hub.eur.initiative.>',
        ack_policy: AckPolicy.None,
        inactive_threshold: 60_000_000_000,
        mem_storage: true,
      });
      const consumer = await jetstream((await as('hub-eur')).nc, { timeout: REQUEST_TIMEOUT }).consumers.get(
        EVENTS,
        'hub-eur-recovery',
      );
      const subjects: string[] = [];
      for await (const m of await consumer.fetch({ max_messages: 100, expires: 1000 })) subjects.push(m.subject);
      expect(subjects.length).toBeGreaterThan(0);
      expect(subjects.every((x) => x.startsWith('ctp.hub.eur.initiative.'))).toBe(true);
      await hubJsm.consumers.delete(EVENTS, 'hub-eur-recovery');
    });

    it.each(['ctp.hub.mde.initiative.>', 'ctp.>', 'ctp.partner.>'])(
      'hub-eur cannot create its recovery consumer on %s (nor one without a filter)',
      async (filter) => {
        const hubJsm = await jetstreamManager((await as('hub-eur')).nc, { checkAPI: false, timeout: REQUEST_TIMEOUT });
        const before = await jetStreamState();
        const err = await hubJsm.consumers
          .add(EVENTS, { name: 'hub-eur-recovery', filter_subject: filter, ack_policy: AckPolicy.None })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isPermissionViolation(err)).toBe(true);
        const bare = await hubJsm.consumers.add(EVENTS, { name: 'hub-eur-recovery', ack_policy: AckPolicy.None }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPermissionViolation(bare)).toBe(true);
        expect(await jetStreamState()).toEqual(before);
      },
    );

    it.each([
      ['platform', EVENTS, 'liaison-hubs'],
      ['partner-liaison', EVENTS, 'platform-hubs'],
      ['hub-afr', INTAKE, 'hub-eur-intake'],
      ['hub-eur', EVENTS, 'platform-hubs'],
      ['regional-eur', INTAKE, 'hub-eur-intake'],
    ] as const)('%s cannot read %s/%s', async (identity, stream, durable) => {
      const before = await jsm.consumers.info(stream, durable);
      const err = await pull(identity, stream, durable).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPermissionViolation(err)).toBe(true);
      const w = await as(identity);
      const next = await w.nc
        .request(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, enc('{"batch":1}'), {
          timeout: REQUEST_TIMEOUT,
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isPermissionViolation(next)).toBe(true);
      const after = await jsm.consumers.info(stream, durable);
      expect(after.delivered).toEqual(before.delivered);
    });
  });

  describe("6. one identity cannot read another's intake", () => {
    const upsert = 'ctp-intake.hub.eur.initiatives.upsert';
    const withdraw = 'ctp-intake.hub.eur.initiatives.withdraw';
    let responders: Subscription[];

    beforeAll(async () => {
      const hub = await as('hub-eur');
      responders = [upsert, withdraw].map((subject) =>
        hub.nc.subscribe(subject, {
          callback: (_e, m: Msg) => {
            m.respond(enc(`hub-eur got ${dec(m.data)} on ${m.subject}`));
          },
        }),
      );
      await hub.nc.flush();
    });

    afterAll(() => responders.forEach((r) => r.unsubscribe()));

    it.each([upsert, withdraw])(
      'positive control: regional-eur sends to hub-eur on %s and gets its answer',
      async (s) => {
        const reply = await (await as('regional-eur')).nc.request(s, enc('one'), { timeout: REQUEST_TIMEOUT });
        expect(dec(reply.data)).toBe(`hub-eur got one on ${s}`);
      },
    );

    it.each([
      ['hub-afr', upsert],
      ['regional-afr', upsert],
      ['regional-eur', upsert],
      ['platform', upsert],
      ['partner-liaison', upsert],
      ['hub-afr', withdraw],
      ['regional-afr', withdraw],
      ['regional-eur', withdraw],
      ['platform', withdraw],
      ['partner-liaison', withdraw],
      ['regional-eur', '_INBOX.>'],
      ['regional-eur', '_INBOX.platform.>'],
      ['regional-eur', '_INBOX.hub-eur.>'],
      ['hub-afr', '_INBOX.regional-eur.>'],
      ['hub-afr', 'ctp-intake.>'],
      ['hub-afr', 'ctp-intake.hub.*.initiatives.upsert'],
      ['platform', 'ctp.>'],
      ['partner-liaison', 'ctp.hub.>'],
      ['hub-eur', 'ctpdlq.>'],
    ] as const)('%s cannot subscribe to %s', async (identity, subject) => {
      const w = await as(identity);
      const received: string[] = [];
      const sub = w.nc.subscribe(subject, {
        callback: (err, m) => {
          if (!err) received.push(m.subject);
        },
      });
      await expectViolation(w, 'subscription', subject);
      const closedWith = await sub.closed;
      expect(isPermissionViolation(closedWith)).toBe(true);
      // The server did not register it either (not only the client dropping it).
      expect(await subscriptionsOf(`test-${identity}`)).not.toContain(subject);
      expect(server.log()).toMatch(violationLine(identity, 'Subscription', subject));
      expect(w.nc.isClosed()).toBe(false);
      const reply = await (await as('regional-eur')).nc.request(upsert, enc('two'), { timeout: REQUEST_TIMEOUT });
      expect(dec(reply.data)).toBe(`hub-eur got two on ${upsert}`);
      await w.nc.flush();
      await delay(50);
      expect(received).toEqual([]);
    });
  });

  describe('a reply subject cannot turn an answer, or an acknowledgement, into a command', () => {
    const upsert = 'ctp-intake.hub.eur.initiatives.upsert';
    let responder: Subscription;

    beforeAll(async () => {
      // Answers whatever arrives, to whatever reply subject it names: the server alone must keep that in bounds.
      const hub = await as('hub-eur');
      responder = hub.nc.subscribe(upsert, {
        callback: (_e, m: Msg) => {
          m.respond(enc('{"err":{},"isDisposed":true}'));
        },
      });
      await hub.nc.flush();
    });

    afterAll(() => responder.unsubscribe());

    it.each([
      `$JS.API.STREAM.PURGE.${EVENTS}`,
      `$JS.API.STREAM.PURGE.${INTAKE}`,
      `$JS.API.STREAM.DELETE.${DLQ}`,
      '$JS.API.ACCOUNT.PURGE.$G',
      'ctp.platform.overlap.flagged.v1',
      'ctp.hub.afr.initiative.reported.v1',
    ])('a regional request with reply subject %s changes nothing', async (replyTo) => {
      const before = await jetStreamState();
      const regional = await as('regional-eur');
      regional.nc.publish(upsert, enc('anything'), { reply: replyTo });
      await regional.nc.flush();
      await delay(300);
      expect(await jetStreamState()).toEqual(before);
    });

    it('an emit with a reply subject gets no acknowledgement sent there (CTP_INTAKE sends none)', async () => {
      const before = await counts();
      const regional = await as('regional-eur');
      regional.nc.publish('ctp-intake.hub.eur.initiatives.submit', enc('{"localId":"x"}'), {
        reply: `$JS.API.STREAM.PURGE.${INTAKE}`,
      });
      await regional.nc.flush();
      await delay(300);
      const after = await counts();
      expect(after[INTAKE]).toBe(before[INTAKE] + 1);
      expect(after[EVENTS]).toBe(before[EVENTS]);
    });
  });

  describe("6. one identity cannot answer another's sync requests", () => {
    const buckets = 'ctp-sync.hub.eur.buckets';

    it.each(SERVICES_AND_REGIONAL.filter((i) => i !== 'hub-eur'))(
      '%s cannot subscribe to ctp-sync.hub.eur.buckets',
      async (identity) => {
        const w = await as(identity);
        const sub = w.nc.subscribe(buckets);
        await expectViolation(w, 'subscription', buckets);
        expect(isPermissionViolation(await sub.closed)).toBe(true);
      },
    );

    it('a request from platform is answered by hub-eur only, and nobody else can reach its inbox', async () => {
      const hub = await as('hub-eur');
      const impostor = await as('hub-afr');
      const answered: string[] = [];
      const real = hub.nc.subscribe(buckets, {
        callback: (_e, m) => {
          answered.push('hub-eur');
          m.respond(enc('hub-eur'));
        },
      });
      let impostorGot = 0;
      const fake = impostor.nc.subscribe(buckets, {
        callback: (err, m) => {
          if (err) return;
          impostorGot++;
          m.respond(enc('hub-afr'));
        },
      });
      await hub.nc.flush();
      await expectViolation(impostor, 'subscription', buckets);
      await fake.closed;
      const platform = (await as('platform')).nc;
      const replies: string[] = [];
      for await (const m of await platform.requestMany(buckets, enc('{}'), { maxWait: QUIET_MS + 200 })) {
        replies.push(dec(m.data));
      }
      expect(replies).toEqual(['hub-eur']);
      expect(answered).toEqual(['hub-eur']);
      expect(impostorGot).toBe(0);
      // A hub may answer into the platform's inbox (it answers its sync requests) but never read it; an outsider (a
      // regional system) may not even write there.
      const regional = await as('regional-eur');
      regional.nc.publish('_INBOX.platform.fake', enc('regional-eur'));
      await expectViolation(regional, 'publish', '_INBOX.platform.fake');
      real.unsubscribe();
    });

    it("positive control: partner-liaison answers a partner's sync request from platform", async () => {
      const liaison = (await as('partner-liaison')).nc;
      const sub = liaison.subscribe('ctp-sync.partner.*.list', {
        callback: (_e, m) => {
          m.respond(enc(`partner-liaison: ${m.subject}`));
        },
      });
      await liaison.flush();
      const reply = await (
        await as('platform')
      ).nc.request('ctp-sync.partner.unodc.list', enc('{}'), {
        timeout: REQUEST_TIMEOUT,
      });
      expect(dec(reply.data)).toBe('partner-liaison: ctp-sync.partner.unodc.list');
      sub.unsubscribe();
    });
  });

  describe('4. no service or regional identity can manage JetStream', () => {
    type Attempt = [label: string, run: (nc: NatsConnection, m: JetStreamManager) => Promise<unknown>];
    const cfg = (name: string, subjects: string[]): Partial<StreamConfig> & { name: string } => ({
      name,
      subjects,
    });
    const attempts = (identity: NatsIdentity): Attempt[] => {
      const tag = identity.replace(/-/g, '_').toUpperCase();
      const raw =
        (subject: string, body: unknown = {}) =>
        (nc: NatsConnection) =>
          nc.request(subject, enc(JSON.stringify(body)), { timeout: REQUEST_TIMEOUT });
      return [
        ['create a stream', (_nc, m) => m.streams.add(cfg(`EVIL_${tag}`, [`evil.${identity}.>`]))],
        [
          "create a stream capturing another's intake requests",
          raw(`$JS.API.STREAM.CREATE.EVIL2_${tag}`, cfg(`EVIL2_${tag}`, ['ctp-intake.hub.eur.initiatives.upsert'])),
        ],
        ['update CTP_EVENTS (jsm)', (_nc, m) => m.streams.update(EVENTS, { max_msgs: 1 })],
        ['update CTP_EVENTS (raw)', raw(`$JS.API.STREAM.UPDATE.${EVENTS}`, cfg(EVENTS, ['ctp.>']))],
        ['delete CTP_EVENTS', (_nc, m) => m.streams.delete(EVENTS)],
        ['delete CTP_INTAKE', (_nc, m) => m.streams.delete(INTAKE)],
        ['purge CTP_EVENTS', (_nc, m) => m.streams.purge(EVENTS)],
        ['purge CTP_DEAD_LETTERS', (_nc, m) => m.streams.purge(DLQ)],
        ['delete a message of CTP_EVENTS', (_nc, m) => m.streams.deleteMessage(EVENTS, 1)],
        [
          'snapshot CTP_EVENTS',
          raw(`$JS.API.STREAM.SNAPSHOT.${EVENTS}`, { deliver_subject: `_INBOX.${identity}.snap` }),
        ],
        ['read a dead letter', (_nc, m) => m.streams.getMessage(DLQ, { seq: 1 })],
        ['read a dead letter (direct get)', raw(`$JS.API.DIRECT.GET.${DLQ}`, { seq: 1 })],
        [
          'create a consumer on the dead letters',
          (_nc, m) => m.consumers.add(DLQ, { durable_name: `reader-${identity}`, ack_policy: AckPolicy.Explicit }),
        ],
        [
          'create an ephemeral consumer on CTP_EVENTS',
          raw(`$JS.API.CONSUMER.CREATE.${EVENTS}`, { stream_name: EVENTS, config: { ack_policy: 'none' } }),
        ],
        [
          'create a durable on CTP_EVENTS',
          (_nc, m) => m.consumers.add(EVENTS, { durable_name: `evil-${identity}`, ack_policy: AckPolicy.Explicit }),
        ],
        [
          "create hub-eur-intake2 (on hub-eur's behalf)",
          (_nc, m) =>
            m.consumers.add(INTAKE, {
              durable_name: 'hub-eur-intake2',
              filter_subject: 'ctp-intake.hub.eur.initiatives.submit',
              ack_policy: AckPolicy.Explicit,
            }),
        ],
        [
          'create hub-eur-intake2 (2.9 durable API)',
          raw(`$JS.API.CONSUMER.DURABLE.CREATE.${INTAKE}.hub-eur-intake2`, {
            stream_name: INTAKE,
            config: { durable_name: 'hub-eur-intake2', ack_policy: 'explicit' },
          }),
        ],
        ['update platform-hubs', (_nc, m) => m.consumers.update(EVENTS, 'platform-hubs', { max_ack_pending: 1 })],
        ['delete platform-hubs', (_nc, m) => m.consumers.delete(EVENTS, 'platform-hubs')],
        ['delete hub-eur-intake', (_nc, m) => m.consumers.delete(INTAKE, 'hub-eur-intake')],
        ['restore a stream', raw('$JS.API.STREAM.RESTORE.EVIL', { config: cfg('EVIL', ['evil.>']) })],
      ];
    };

    let baseline: unknown;
    beforeAll(async () => {
      baseline = await jetStreamState();
    });

    it.each(SERVICES_AND_REGIONAL)('%s: every attempt is refused and nothing changes', async (identity) => {
      const w = await as(identity);
      const m = await jetstreamManager(w.nc, { checkAPI: false, timeout: REQUEST_TIMEOUT });
      const outcomes: [string, string][] = [];
      for (const [label, run] of attempts(identity)) {
        const err = await run(w.nc, m).then(
          () => undefined,
          (e: unknown) => e,
        );
        outcomes.push([label, isPermissionViolation(err) ? 'refused' : `NOT refused: ${String(err)}`]);
      }
      expect(outcomes).toEqual(attempts(identity).map(([label]) => [label, 'refused']));
      expect(await jetStreamState()).toEqual(baseline);
    });
  });

  describe('5. the $JS.API.ACCOUNT.PURGE probe and other denied-to-everyone APIs', () => {
    it.each(NATS_IDENTITIES)(
      '%s: $JS.API.ACCOUNT.PURGE.$G is refused and CTP_EVENTS keeps its messages',
      async (identity) => {
        const w = await as(identity);
        const before = await counts();
        expect(before[EVENTS]).toBeGreaterThan(0);
        const err = await w.nc.request('$JS.API.ACCOUNT.PURGE.$G', enc(''), { timeout: REQUEST_TIMEOUT }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPermissionViolation(err)).toBe(true);
        w.nc.publish('$JS.API.ACCOUNT.PURGE.$G');
        await until('the second violation', () => violations(w, 'publish', '$JS.API.ACCOUNT.PURGE.$G').length >= 2);
        await w.nc.flush();
        await delay(100);
        expect(await counts()).toEqual(before);
        expect((await jsm.streams.names().next()).sort()).toEqual([DLQ, EVENTS, INTAKE].sort());
      },
    );

    it.each([
      '$JS.API.STREAM.RESTORE.X',
      '$JS.API.ACCOUNT.STREAM.MOVE.CTP_EVENTS.x',
      '$JS.API.SERVER.REMOVE',
      '$JS.API.META.LEADER.STEPDOWN',
    ])('admin: %s is refused', async (subject) => {
      const err = await admin.nc.request(subject, enc('{}'), { timeout: REQUEST_TIMEOUT }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPermissionViolation(err)).toBe(true);
      expect((await jsm.streams.names().next()).sort()).toEqual([DLQ, EVENTS, INTAKE].sort());
    });

    it('admin: a jsm restore of a stream is refused', async () => {
      const before = await jetStreamState();
      const err = await admin.nc
        .request('$JS.API.STREAM.RESTORE.X', enc(JSON.stringify({ config: { name: 'X' } })), {
          timeout: REQUEST_TIMEOUT,
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isPermissionViolation(err)).toBe(true);
      expect(await jetStreamState()).toEqual(before);
    });
  });

  describe('admin provisions', () => {
    it('positive control: admin creates, fills, and deletes a scratch stream and a consumer', async () => {
      await jsm.streams.add({ name: 'SCRATCH', subjects: ['scratch.>'] });
      await jetstream(admin.nc).publish('scratch.one', enc('1'));
      await jsm.consumers.add('SCRATCH', { durable_name: 'scratch-reader', ack_policy: AckPolicy.Explicit });
      expect((await jsm.streams.info('SCRATCH')).state.messages).toBe(1);
      expect(await jsm.consumers.delete('SCRATCH', 'scratch-reader')).toBe(true);
      expect(await jsm.streams.delete('SCRATCH')).toBe(true);
      expect((await jsm.streams.names().next()).sort()).toEqual([DLQ, EVENTS, INTAKE].sort());
    });

    it('the provisioned consumers are all there', async () => {
      for (const [stream, names] of Object.entries(PROVISIONED_CONSUMERS)) {
        const found: string[] = [];
        for await (const ci of jsm.consumers.list(stream)) found.push(ci.name);
        expect([stream, found.sort()]).toEqual([stream, names]);
      }
    });
  });
});
