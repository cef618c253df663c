import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { checkInitiativeSnapshot, CloudEvent, InitiativeSnapshot, JetStreamNames } from '@ctp/contracts';
import { WebhookSecrets } from '../../apps/partner-liaison/src/webhooks/webhook-secrets';
import { as } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { call } from '../support/hub-fixtures';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ROOT, ServiceProcess, waitFor } from '../support/services';

interface ErrorAnswer {
  statusCode: number;
  message: string;
  details: { field: string; rule: string; message: string }[];
}
interface RowAnswer {
  line: number;
  localId: string | null;
  outcome: string;
  initiativeId?: string;
  version?: number;
  errors?: { field: string; rule: string; message: string; column?: string }[];
}
interface ImportAnswer {
  imported: number;
  unchanged: number;
  rejected: number;
  rows: RowAnswer[];
  ignoredColumns: string[];
}

/**
 * Webhook URLs: IP literals (there is no DNS here, and a host that does not resolve is refused), on loopback (the
 * service runs with WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE_DESTINATIONS); nothing listens there, and nothing is
 * sent to these partners in this test anyway.
 */
const WEBHOOK_URL = 'https://127.0.0.1:9/ctp/webhook';
const WEBHOOK_URL_V2 = 'https://127.0.0.1:9/ctp/v2';
const SUPPLIED_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const WHSEC = /^whsec_[A-Za-z0-9+/]{43}=$/;
const EXAMPLE_CSV = readFileSync(join(ROOT, 'examples/partner-import.csv'), 'utf8');

const partnerBody = (over: Record<string, unknown> = {}) => ({
  ref: 'PT-EUROPOL',
  acronym: 'EUROPOL',
  name: 'European Union Agency for Law Enforcement Cooperation',
  type: 'REGIONAL_POLICE',
  regions: ['EUR'],
  agreement: 'Operational agreement 2001-12',
  webhook: { url: WEBHOOK_URL },
  ...over,
});

const initiative = (over: Record<string, unknown> = {}) => ({
  localId: 'EU-ACT-1',
  kind: 'TRN',
  title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
  actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
  status: 'PIPELINE',
  dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
  scope: 'REGIONAL',
  recipientCountries: ['FR', 'BE'],
  visibility: 'PARTNER_SHAREABLE',
  ...over,
});

/** Registry, JSON and CSV intake of partners' initiatives, against a real partner-liaison, PostgreSQL and NATS. */
describe('partner-liaison inbound: registry, JSON and CSV', () => {
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  let liaison: ServiceProcess;
  const db = TestDatabase.fresh('liaison_in');
  const secretKey = randomBytes(32);
  /** Opens a stored (sealed) webhook secret as partner-liaison does, with its WEBHOOK_SECRET_KEY. */
  const openSecret = (sealed: string, ref: string) => new WebhookSecrets({ secretKey }).open(sealed, ref);
  /** The webhook secret shown when PT-EUROPOL was registered. */
  let registeredSecret: string;
  const validateEvent = (() => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    return ajv.compile(
      JSON.parse(readFileSync(join(ROOT, 'libs/contracts/schema/ctp-initiative-event.v1.schema.json'), 'utf8')),
    );
  })();

  const importCsv = async (ref: string, csv: string | Buffer, contentType = 'text/csv; charset=utf-8') => {
    const res = await fetch(`${liaison.baseUrl}/partners/${ref}/initiatives:import`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(await as.partner(ref)) },
      body: csv,
    });
    return { status: res.status, body: (await res.json()) as ImportAnswer & ErrorAnswer };
  };

  /** Initiative records and the events written for them (the outbound feature may write others: not counted). */
  const counts = async () =>
    (
      await db.query<{ initiatives: number; events: number }>(
        `SELECT (SELECT count(*)::int FROM partner_initiatives) AS initiatives,
                (SELECT count(*)::int FROM outbox_events WHERE subject LIKE 'ctp.partner.%.initiative.%') AS events`,
      )
    )[0];

  /** Every initiative event of partner `code` that reached CTP_EVENTS, once the outbox has drained. */
  const published = async (code: string) => {
    await waitFor(
      'the outbox to drain',
      async () =>
        (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL`))[0].n ===
        0,
    );
    const info = await publisher.jsm.streams.info(JetStreamNames.eventsStream);
    const out: { subject: string; event: CloudEvent<InitiativeSnapshot> }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await publisher.jsm.streams.getMessage(JetStreamNames.eventsStream, { seq });
      if (m?.subject.startsWith(`ctp.partner.${code}.initiative.`)) {
        out.push({ subject: m.subject, event: m.json<CloudEvent<InitiativeSnapshot>>() });
      }
    }
    return out;
  };

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    liaison = new ServiceProcess('partner-liaison', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      WEBHOOK_SECRET_KEY: secretKey.toString('base64'),
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'true',
    });
    await liaison.start();
  });

  afterAll(async () => {
    await liaison?.stop();
    await publisher?.close();
    await nats?.stop();
    await db.drop();
  });

  describe('registry', () => {
    it('registers a partner, derives its code, generates its webhook secret and shows it once only', async () => {
      const res = await call<{ webhook: { secret: string } }>(liaison.baseUrl, 'POST', '/partners', partnerBody());
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe('/partners/PT-EUROPOL');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toMatchObject({
        ref: 'PT-EUROPOL',
        code: 'europol',
        acronym: 'EUROPOL',
        type: 'REGIONAL_POLICE',
        regions: ['EUR'],
        agreement: 'Operational agreement 2001-12',
        webhook: { url: WEBHOOK_URL, secretSet: true, secret: expect.stringMatching(WHSEC) },
      });
      registeredSecret = res.body.webhook.secret;
      for (const path of ['/partners', '/partners/PT-EUROPOL']) {
        const got = await call(liaison.baseUrl, 'GET', path);
        expect(got.status).toBe(200);
        expect(JSON.stringify(got.body)).not.toContain(registeredSecret.slice('whsec_'.length));
        expect(JSON.stringify(got.body)).not.toContain('"secret"');
      }
      // The outbound feature reads these columns: the secret is stored for it, sealed (never in clear), regions as
      // text[].
      const [row] = await db.query<Record<string, unknown> & { webhook_secret_enc: string }>(
        `SELECT code, regions, webhook_url, webhook_secret_enc FROM partners WHERE ref = $1`,
        ['PT-EUROPOL'],
      );
      expect(row).toEqual({
        code: 'europol',
        regions: ['EUR'],
        webhook_url: WEBHOOK_URL,
        webhook_secret_enc: expect.any(String),
      });
      expect(row.webhook_secret_enc).not.toContain(registeredSecret.slice('whsec_'.length));
      expect(openSecret(row.webhook_secret_enc, 'PT-EUROPOL')).toBe(registeredSecret);
    });

    it('lists partners and shows one, 404 for one not registered', async () => {
      expect(
        (
          await call(liaison.baseUrl, 'POST', '/partners', {
            ref: 'PT-UNODC',
            acronym: 'UNODC',
            name: 'United Nations Office on Drugs and Crime',
            type: 'UN_ENTITY',
            regions: ['GLB', 'AFR', 'MDE'],
            agreement: 'MoU 2019-07',
          })
        ).status,
      ).toBe(201);
      const list = await call<{ items: { ref: string; regions: string[]; webhook: unknown }[] }>(
        liaison.baseUrl,
        'GET',
        '/partners',
      );
      expect(list.body.items.map((p) => p.ref)).toEqual(['PT-EUROPOL', 'PT-UNODC']);
      expect(list.body.items[1]).toMatchObject({ regions: ['AFR', 'MDE', 'GLB'], webhook: null });
      const missing = await call<ErrorAnswer>(liaison.baseUrl, 'GET', '/partners/PT-NOBODY');
      expect(missing.status).toBe(404);
      expect(missing.body.details).toEqual([expect.objectContaining({ field: 'ref', rule: 'registered' })]);
    });

    it('updates name, regions, agreement and webhook: a new URL gets a new secret, and the old one no longer signs', async () => {
      const edit = {
        name: 'Europol',
        regions: ['EUR', 'MDE'],
        agreement: 'Working arrangement 2024-03',
        webhook: { url: WEBHOOK_URL_V2 },
      };
      const res = await call<{ webhook: { secret: string } }>(liaison.baseUrl, 'PUT', '/partners/PT-EUROPOL', edit);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toMatchObject({
        ref: 'PT-EUROPOL',
        code: 'europol',
        name: 'Europol',
        regions: ['MDE', 'EUR'],
        agreement: 'Working arrangement 2024-03',
        webhook: {
          url: WEBHOOK_URL_V2,
          secretSet: true,
          previousSecretValidUntil: null,
          secret: expect.stringMatching(WHSEC),
        },
      });
      const newSecret = res.body.webhook.secret;
      expect(newSecret).not.toBe(registeredSecret);
      // What signs is the stored secret, and the previous one during a rotation's grace period: now only the new one.
      const secretsOf = async () =>
        (
          await db.query<{ current: string; previous: string | null; until: Date | null }>(
            `SELECT webhook_secret_enc AS current, webhook_previous_secret_enc AS previous,
                    webhook_previous_secret_until AS until FROM partners WHERE ref = 'PT-EUROPOL'`,
          )
        )[0];
      const stored = await secretsOf();
      expect(openSecret(stored.current, 'PT-EUROPOL')).toBe(newSecret);
      expect(stored).toMatchObject({ previous: null, until: null });
      const got = await call(liaison.baseUrl, 'GET', '/partners/PT-EUROPOL');
      expect(got.body).toMatchObject({ name: 'Europol', webhook: { url: WEBHOOK_URL_V2, secretSet: true } });
      expect(JSON.stringify(got.body)).not.toContain(newSecret.slice('whsec_'.length));

      // The same URL again keeps its secret: none is generated, none is shown.
      const same = await call(liaison.baseUrl, 'PUT', '/partners/PT-EUROPOL', edit);
      expect(same.status).toBe(200);
      expect(JSON.stringify(same.body)).not.toContain('"secret"');
      expect(await secretsOf()).toEqual(stored);

      const removed = await call(liaison.baseUrl, 'PUT', '/partners/PT-UNODC', {
        name: 'UNODC',
        regions: ['GLB'],
        agreement: 'MoU 2019-07',
        webhook: null,
      });
      expect(removed.body).toMatchObject({ webhook: null, regions: ['GLB'] });
    });

    it.each([
      ['POST', '/partners', 'a ref already registered', partnerBody(), 409, 'ref', 'unique'],
      ['POST', '/partners', 'a ref that is not PT-<ACRONYM>', partnerBody({ ref: 'EUROPOL' }), 400, 'ref', 'matches'],
      ['POST', '/partners', 'a lower-case acronym', partnerBody({ acronym: 'europol' }), 400, 'acronym', 'matches'],
      ['POST', '/partners', 'a ref for another acronym', partnerBody({ ref: 'PT-CTED' }), 422, 'acronym', 'matchesRef'],
      ['POST', '/partners', 'an unknown type', partnerBody({ type: 'NGO' }), 400, 'type', 'isIn'],
      ['POST', '/partners', 'no regions', partnerBody({ regions: [] }), 400, 'regions', 'arrayNotEmpty'],
      ['POST', '/partners', 'an unknown region', partnerBody({ regions: ['AMR'] }), 400, 'regions', 'isIn'],
      ['POST', '/partners', 'no agreement', partnerBody({ agreement: undefined }), 400, 'agreement', 'isString'],
      ['POST', '/partners', 'a code (derived)', partnerBody({ code: 'eu' }), 400, 'code', 'whitelistValidation'],
      [
        'POST',
        '/partners',
        'a webhook that is not http(s)',
        partnerBody({ ref: 'PT-NEW', acronym: 'NEW', webhook: { url: 'ftp://127.0.0.1/hook' } }),
        400,
        'webhook.url',
        'isUrl',
      ],
      [
        'POST',
        '/partners',
        'a webhook secret (the server generates it)',
        partnerBody({ ref: 'PT-NEW', acronym: 'NEW', webhook: { url: WEBHOOK_URL, secret: SUPPLIED_SECRET } }),
        400,
        'webhook.secret',
        'whitelistValidation',
      ],
      [
        'POST',
        '/partners',
        'a webhook host that does not resolve',
        partnerBody({ ref: 'PT-NEW', acronym: 'NEW', webhook: { url: 'https://europol.invalid/ctp/webhook' } }),
        422,
        'webhook.url',
        'resolvable',
      ],
      ['POST', '/partners', 'a body that is not JSON', '{"ref":', 400, 'body', 'isJson'],
      [
        'PUT',
        '/partners/PT-EUROPOL',
        'a change of ref',
        { name: 'x', regions: ['EUR'], agreement: 'x', ref: 'PT-X' },
        400,
        'ref',
        'whitelistValidation',
      ],
      [
        'PUT',
        '/partners/PT-UNODC',
        'a webhook secret (the server generates it)',
        { name: 'x', regions: ['EUR'], agreement: 'x', webhook: { url: WEBHOOK_URL, secret: SUPPLIED_SECRET } },
        400,
        'webhook.secret',
        'whitelistValidation',
      ],
      [
        'PUT',
        '/partners/PT-EUROPOL',
        'a webhook host that does not resolve',
        { name: 'x', regions: ['EUR'], agreement: 'x', webhook: { url: 'https://europol.invalid/ctp/webhook' } },
        422,
        'webhook.url',
        'resolvable',
      ],
      [
        'PUT',
        '/partners/PT-NOBODY',
        'an unknown partner',
        { name: 'x', regions: ['EUR'], agreement: 'x' },
        404,
        'ref',
        'registered',
      ],
    ])('%s %s refuses %s with %i naming %s (%s)', async (method, path, _name, body, status, field, rule) => {
      const before = await db.query(`SELECT * FROM partners ORDER BY ref`);
      const res = await call<ErrorAnswer>(liaison.baseUrl, method, path, body);
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
      expect(res.body.details).toContainEqual(expect.objectContaining({ field, rule }));
      expect(await db.query(`SELECT * FROM partners ORDER BY ref`)).toEqual(before);
    });
  });

  describe('JSON snapshots', () => {
    it('stores version 1 under the partner prefix and publishes it on the partner subject, valid per the contract', async () => {
      const before = await counts();
      const res = await call<InitiativeSnapshot>(
        liaison.baseUrl,
        'POST',
        '/partners/PT-EUROPOL/initiatives',
        initiative(),
      );
      expect(res.status).toBe(201);
      expect(res.headers.get('ctp-outcome')).toBe('CREATED');
      expect(res.body).toMatchObject({
        initiativeId: 'PT-EUROPOL-EU-ACT-1',
        reportingOrg: { ref: 'PT-EUROPOL', type: 'PARTNER', secondaryReporter: true },
        version: 1,
      });
      expect(Math.abs(Date.parse(res.body.lastUpdatedAt) - Date.now())).toBeLessThan(60_000);
      expect(await counts()).toEqual({ initiatives: before.initiatives + 1, events: before.events + 1 });

      const events = await published('europol');
      expect(events).toHaveLength(1);
      const [{ subject, event }] = events;
      expect(subject).toBe('ctp.partner.europol.initiative.reported.v1');
      expect(event).toMatchObject({
        specversion: '1.0',
        source: '/ctp/partner-liaison/europol',
        type: 'ctp.initiative.reported.v1',
        subject: 'PT-EUROPOL-EU-ACT-1',
        dataschema: 'ctp:initiative:v1',
        data: res.body,
      });
      expect(event.data.reportingOrg.secondaryReporter).toBe(true);
      expect(checkInitiativeSnapshot(event.data)).toEqual({ ok: true, snapshot: event.data });
      expect(validateEvent(event) ? [] : validateEvent.errors).toEqual([]);
    });

    it('treats the same content again as a no-op: same version, no event', async () => {
      const before = await counts();
      const reordered = Object.fromEntries(Object.entries(initiative()).reverse());
      const res = await call<InitiativeSnapshot>(
        liaison.baseUrl,
        'POST',
        '/partners/PT-EUROPOL/initiatives',
        reordered,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('ctp-outcome')).toBe('UNCHANGED');
      expect(res.body.version).toBe(1);
      expect(await counts()).toEqual(before);
    });

    it('makes version 2 when the content changed, and publishes it as updated', async () => {
      const before = await counts();
      const res = await call<InitiativeSnapshot>(
        liaison.baseUrl,
        'POST',
        '/partners/PT-EUROPOL/initiatives',
        initiative({ description: 'Moved to The Hague' }),
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('ctp-outcome')).toBe('UPDATED');
      expect(res.body).toMatchObject({ version: 2, description: 'Moved to The Hague' });
      expect(await counts()).toEqual({ initiatives: before.initiatives, events: before.events + 1 });
      const events = await published('europol');
      expect(events.map((e) => [e.subject, e.event.data.version])).toEqual([
        ['ctp.partner.europol.initiative.reported.v1', 1],
        ['ctp.partner.europol.initiative.updated.v1', 2],
      ]);
      expect(checkInitiativeSnapshot(events[1].event.data)).toMatchObject({ ok: true });
    });

    it.each([
      ['an unknown partner', '/partners/PT-NOBODY/initiatives', initiative(), 404, 'ref', 'registered'],
      [
        'no localId',
        '/partners/PT-EUROPOL/initiatives',
        initiative({ localId: undefined }),
        400,
        'localId',
        'isDefined',
      ],
      ['a bad localId', '/partners/PT-EUROPOL/initiatives', initiative({ localId: 'a b' }), 400, 'localId', 'matches'],
      ['an unknown kind', '/partners/PT-EUROPOL/initiatives', initiative({ kind: 'WORKSHOP' }), 400, 'kind', 'isIn'],
      [
        'its own version',
        '/partners/PT-EUROPOL/initiatives',
        initiative({ version: 9 }),
        400,
        'version',
        'whitelistValidation',
      ],
      [
        'planned dates out of order',
        '/partners/PT-EUROPOL/initiatives',
        initiative({ localId: 'EU-ACT-9', dates: { plannedStart: '2027-03-05', plannedEnd: '2027-03-01' } }),
        422,
        'dates.plannedEnd',
        'plannedOrder',
      ],
      [
        'a bad country',
        '/partners/PT-EUROPOL/initiatives',
        initiative({ localId: 'EU-ACT-9', recipientCountries: ['FR', 'XX'] }),
        422,
        'recipientCountries[1]',
        'isoCountry',
      ],
      [
        'a status change the lifecycle forbids',
        '/partners/PT-EUROPOL/initiatives',
        initiative({
          status: 'CLOSED',
          dates: {
            plannedStart: '2026-01-01',
            plannedEnd: '2026-01-05',
            actualStart: '2026-01-01',
            actualEnd: '2026-01-05',
          },
        }),
        422,
        'status',
        'allowedTransition',
      ],
    ])(
      'refuses %s with %i naming %s (%s), storing and publishing nothing',
      async (_name, path, body, status, field, rule) => {
        const before = await counts();
        const res = await call<ErrorAnswer>(liaison.baseUrl, 'POST', path, body);
        expect(res.status).toBe(status);
        expect(res.body.details).toContainEqual(expect.objectContaining({ field, rule }));
        expect(await counts()).toEqual(before);
      },
    );

    it('versions concurrent reports of one new record one after the other: one CREATED, then UPDATED each', async () => {
      const before = await counts();
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          call<InitiativeSnapshot>(
            liaison.baseUrl,
            'POST',
            '/partners/PT-EUROPOL/initiatives',
            initiative({ localId: 'EU-RACE', description: `writer ${i}` }),
          ),
        ),
      );
      expect(answers.map((a) => a.headers.get('ctp-outcome')).sort()).toEqual([
        'CREATED',
        ...Array.from({ length: 7 }, () => 'UPDATED'),
      ]);
      expect(answers.map((a) => a.body.version).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await counts()).toEqual({ initiatives: before.initiatives + 1, events: before.events + 8 });
      const versions = (await published('europol'))
        .filter((e) => e.event.subject === 'PT-EUROPOL-EU-RACE')
        .map((e) => e.event.data.version);
      expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      await call(liaison.baseUrl, 'POST', '/partners/PT-EUROPOL/initiatives/EU-RACE/withdraw', { reason: 'test' });
    });

    it('withdraws a record, publishes it as withdrawn, and refuses any change after', async () => {
      expect(
        (await call(liaison.baseUrl, 'POST', '/partners/PT-EUROPOL/initiatives', initiative({ localId: 'EU-GONE' })))
          .status,
      ).toBe(201);
      const noReason = await call<ErrorAnswer>(
        liaison.baseUrl,
        'POST',
        '/partners/PT-EUROPOL/initiatives/EU-GONE/withdraw',
        {},
      );
      expect(noReason.status).toBe(400);
      expect(noReason.body.details).toContainEqual(expect.objectContaining({ field: 'reason', rule: 'isNotEmpty' }));

      const res = await call<InitiativeSnapshot>(
        liaison.baseUrl,
        'POST',
        '/partners/PT-EUROPOL/initiatives/EU-GONE/withdraw',
        { reason: 'reported twice' },
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ version: 2, withdrawal: { reason: 'reported twice' } });
      const last = (await published('europol')).pop()!;
      expect(last.subject).toBe('ctp.partner.europol.initiative.withdrawn.v1');
      expect(last.event).toMatchObject({ type: 'ctp.initiative.withdrawn.v1', subject: 'PT-EUROPOL-EU-GONE' });
      expect(checkInitiativeSnapshot(last.event.data)).toMatchObject({ ok: true });

      const before = await counts();
      for (const [path, body] of [
        ['/partners/PT-EUROPOL/initiatives', initiative({ localId: 'EU-GONE' })],
        ['/partners/PT-EUROPOL/initiatives', initiative({ localId: 'EU-GONE', description: 'changed' })],
        ['/partners/PT-EUROPOL/initiatives/EU-GONE/withdraw', { reason: 'again' }],
      ] as const) {
        const refused = await call<ErrorAnswer>(liaison.baseUrl, 'POST', path, body);
        expect(refused.status).toBe(409);
        expect(refused.body.details).toEqual([
          expect.objectContaining({ field: 'initiativeId', rule: 'notWithdrawn' }),
        ]);
      }
      const unknown = await call<ErrorAnswer>(
        liaison.baseUrl,
        'POST',
        '/partners/PT-EUROPOL/initiatives/NOPE/withdraw',
        {
          reason: 'x',
        },
      );
      expect(unknown.status).toBe(404);
      expect(await counts()).toEqual(before);
    });

    it("lists the partner's records (withdrawn ones on request) and shows one", async () => {
      const live = await call<{ items: InitiativeSnapshot[] }>(
        liaison.baseUrl,
        'GET',
        '/partners/PT-EUROPOL/initiatives',
      );
      expect(live.body.items.map((i) => i.initiativeId)).toEqual(['PT-EUROPOL-EU-ACT-1']);
      const all = await call<{ items: InitiativeSnapshot[] }>(
        liaison.baseUrl,
        'GET',
        '/partners/PT-EUROPOL/initiatives?includeWithdrawn=true&limit=1',
      );
      expect(all.body.items).toHaveLength(1);
      const one = await call<InitiativeSnapshot>(liaison.baseUrl, 'GET', '/partners/PT-EUROPOL/initiatives/EU-ACT-1');
      expect(one.headers.get('etag')).toBe('"2"');
      expect((await call(liaison.baseUrl, 'GET', '/partners/PT-EUROPOL/initiatives?status=DONE')).status).toBe(400);
    });
  });

  describe('CSV with HXL hashtags', () => {
    const expectedRows: [number, string | null, string, [string, string, string?][]][] = [
      [3, 'UNODC-2027-001', 'CREATED', []],
      [4, 'UNODC-2025-002', 'CREATED', []],
      [7, 'UNODC-2025-003', 'CREATED', []],
      [8, 'UNODC-2027-004', 'CREATED', []],
      [9, 'UNODC-2027-005', 'CREATED', []],
      [10, 'UNODC-2027-006', 'REJECTED', [['dates.plannedEnd', 'plannedOrder', '#date+end']]],
      [
        11,
        'UNODC-2026-007',
        'REJECTED',
        [
          ['dates.actualStart', 'actualStartRequired', '#date+start+actual'],
          ['recipientCountries[1]', 'isoCountry', '#country+code'],
        ],
      ],
      [
        12,
        'UNODC 2027 008',
        'REJECTED',
        [
          ['localId', 'matches', '#activity+id'],
          ['kind', 'isIn', '#activity+type'],
        ],
      ],
      [13, 'UNODC-2027-001', 'REJECTED', [['localId', 'uniqueInFile', '#activity+id']]],
      [14, 'UNODC-2027-009', 'REJECTED', [['recipientCountries', 'globalHasNoCountries', '#country+code']]],
      [15, 'UNODC-2027-010', 'REJECTED', [['relatedInitiatives[0]', 'format', '#activity+related']]],
      [16, 'UNODC-2027-011', 'REJECTED', [['title.lang', 'isIn', '#meta+lang']]],
    ];

    it('imports the good rows of a mixed file and answers every row by its line, with each bad field, rule and column', async () => {
      const before = await counts();
      const res = await importCsv('PT-UNODC', EXAMPLE_CSV);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ imported: 5, unchanged: 0, rejected: 7, ignoredColumns: [] });
      expect(
        res.body.rows.map((r) => [
          r.line,
          r.localId,
          r.outcome,
          (r.errors ?? []).map((e) => [e.field, e.rule, e.column]),
        ]),
      ).toEqual(expectedRows);
      for (const r of res.body.rows.filter((x) => x.outcome === 'CREATED')) {
        expect(r).toMatchObject({ initiativeId: `PT-UNODC-${r.localId}`, version: 1 });
      }
      for (const e of res.body.rows.flatMap((r) => r.errors ?? [])) expect(e.message.length).toBeGreaterThan(10);
      expect(await counts()).toEqual({ initiatives: before.initiatives + 5, events: before.events + 5 });

      const events = await published('unodc');
      expect(events).toHaveLength(5);
      for (const { subject, event } of events) {
        expect(subject).toBe('ctp.partner.unodc.initiative.reported.v1');
        expect(event.source).toBe('/ctp/partner-liaison/unodc');
        expect(event.data.reportingOrg).toEqual({ ref: 'PT-UNODC', type: 'PARTNER', secondaryReporter: true });
        expect(checkInitiativeSnapshot(event.data)).toMatchObject({ ok: true });
        expect(validateEvent(event) ? [] : validateEvent.errors).toEqual([]);
      }
      const byId = new Map(events.map((e) => [e.event.subject, e.event.data]));
      expect(byId.get('PT-UNODC-UNODC-2025-002')).toMatchObject({
        title: { lang: 'fr', text: 'Atelier régional sur la lutte contre le financement du terrorisme' },
        status: 'IMPLEMENTATION',
        recipientCountries: ['SN', 'ML', 'NE'],
        description: 'Deux sessions :\n- le cadre juridique\n- les cellules de renseignement financier',
      });
      expect(byId.get('PT-UNODC-UNODC-2027-004')?.title).toEqual({
        lang: 'ar',
        text: 'دورة تدريبية إقليمية حول أمن الحدود والمقاتلين الإرهابيين الأجانب',
      });
      expect(byId.get('PT-UNODC-UNODC-2025-003')).toMatchObject({
        codeName: 'TRIGGER-IX',
        visibility: 'INTERPOL_RESTRICTED',
      });
      expect(byId.get('PT-UNODC-UNODC-2027-001')?.participatingOrgs).toEqual([
        { ref: 'XI-IATI-EC_INTPA', name: 'European Commission', role: 'FUNDING' },
      ]);
    });

    it('changes nothing when the same file comes again: every good row UNCHANGED, no event', async () => {
      const before = await counts();
      const res = await importCsv('PT-UNODC', EXAMPLE_CSV);
      expect(res.body).toMatchObject({ imported: 0, unchanged: 5, rejected: 7 });
      expect(res.body.rows.map((r) => [r.line, r.outcome])).toEqual(
        expectedRows.map(([line, , outcome]) => [line, outcome === 'CREATED' ? 'UNCHANGED' : outcome]),
      );
      expect(await counts()).toEqual(before);
      expect(await published('unodc')).toHaveLength(5);
    });

    it('makes version 2 of a row that changed, and nothing of the others, also with LF line ends and no BOM', async () => {
      const before = await counts();
      const changed = EXAMPLE_CSV.replace('\uFEFF', '')
        .replace(/\r\n/g, '\n')
        .replace('FR|BE,2027-03-01,2027-03-05', 'FR|BE|NL,2027-03-01,2027-03-05');
      const res = await importCsv('PT-UNODC', changed);
      expect(res.body).toMatchObject({ imported: 1, unchanged: 4, rejected: 7 });
      expect(res.body.rows[0]).toEqual({
        line: 3,
        localId: 'UNODC-2027-001',
        outcome: 'UPDATED',
        initiativeId: 'PT-UNODC-UNODC-2027-001',
        version: 2,
      });
      expect(await counts()).toEqual({ initiatives: before.initiatives, events: before.events + 1 });
      const last = (await published('unodc')).pop()!;
      expect(last.subject).toBe('ctp.partner.unodc.initiative.updated.v1');
      expect(last.event.data).toMatchObject({ version: 2, recipientCountries: ['FR', 'BE', 'NL'] });
    });

    it('rejects a row for a withdrawn record, and a forbidden status change, without blocking the others', async () => {
      await call(liaison.baseUrl, 'POST', '/partners/PT-UNODC/initiatives/UNODC-2027-005/withdraw', {
        reason: 'reported in error',
      });
      const csv = [
        'ID,Title,Lang,Kind,Streams,Status,Countries,Start,End,Scope,Visibility',
        '#activity+id,#activity+name,#meta+lang,#activity+kind,#sector,#status,#country+code,#date+start,#date+end,#meta+scope,#meta+visibility',
        'UNODC-2027-005,Global conference on terrorist use of the internet,en,MTG,ONLINE_PRESENCE,PIPELINE,,2027-10-04,2027-10-06,GLOBAL,PARTNER_SHAREABLE',
        'UNODC-2025-003,Operación conjunta,es,OPS,WEAPONS_MATERIALS,PIPELINE,CO,2025-05-05,2025-05-09,NATIONAL,PARTNER_SHAREABLE',
        'UNODC-2028-012,Nouvelle formation,fr,TRN,IDENTIFICATION,PIPELINE,TN,2028-01-10,2028-01-12,NATIONAL,PARTNER_SHAREABLE',
      ].join('\r\n');
      const res = await importCsv('PT-UNODC', csv);
      expect(res.body.rows.map((r) => [r.line, r.outcome, r.errors?.map((e) => `${e.field} ${e.rule}`)])).toEqual([
        [3, 'REJECTED', ['initiativeId notWithdrawn']],
        [4, 'REJECTED', ['status allowedTransition']],
        [5, 'CREATED', undefined],
      ]);
    });

    it('rejects a row with a NUL character (PostgreSQL cannot store it) and keeps the next one', async () => {
      const csv = [
        'ID,Title,Lang,Kind,Streams,Status,Countries,Start,End,Scope,Visibility,Notes',
        '#activity+id,#activity+name,#meta+lang,#activity+type,#sector,#status,#country+code,#date+start,#date+end,#scope,#meta+visibility,#description',
        'UNODC-2028-013,Formation,fr,TRN,IDENTIFICATION,PIPELINE,TN,2028-01-10,2028-01-12,NATIONAL,PARTNER_SHAREABLE,bad\u0000byte',
        'UNODC-2028-014,Formation,fr,TRN,IDENTIFICATION,PIPELINE,TN,2028-02-10,2028-02-12,NATIONAL,PARTNER_SHAREABLE,fine',
      ].join('\n');
      const res = await importCsv('PT-UNODC', csv);
      expect(res.status).toBe(200);
      expect(res.body.rows.map((r) => [r.line, r.outcome, r.errors?.map((e) => `${e.column} ${e.rule}`)])).toEqual([
        [3, 'REJECTED', ['#description noNulCharacter']],
        [4, 'CREATED', undefined],
      ]);
    });

    it.each([
      ['a file without a hashtag row', 'ID,Title\r\nX-1,Training\r\n', 400, [['body', 'hxlHashtagRow']]],
      [
        'a file missing mandatory hashtags',
        'ID,Title,Lang\r\n#activity+id,#activity+name,#meta+lang\r\nX-1,Training,en\r\n',
        400,
        [
          ['#activity+type', 'requiredHashtag'],
          ['#sector', 'requiredHashtag'],
          ['#status', 'requiredHashtag'],
          ['#country+code', 'requiredHashtag'],
          ['#date+start', 'requiredHashtag'],
          ['#date+end', 'requiredHashtag'],
          ['#scope', 'requiredHashtag'],
          ['#meta+visibility', 'requiredHashtag'],
        ],
      ],
      ['a quote never closed', 'ID\r\n#activity+id\r\n"X-1\r\n', 400, [['body', 'csvQuoting']]],
      ['an empty body', '', 400, [['body', 'isNotEmpty']]],
    ])('refuses %s with %i naming what is wrong', async (_name, csv, status, details) => {
      const before = await counts();
      const res = await importCsv('PT-UNODC', csv);
      expect(res.status).toBe(status);
      expect(res.body.details.map((d) => [d.field, d.rule])).toEqual(details);
      expect(await counts()).toEqual(before);
    });

    it('refuses another media type (415), a file over 5 MB (413) and an unknown partner (404)', async () => {
      expect((await importCsv('PT-UNODC', JSON.stringify({ csv: EXAMPLE_CSV }), 'application/json')).status).toBe(415);
      expect((await importCsv('PT-UNODC', EXAMPLE_CSV, 'text/plain')).status).toBe(415);
      const big = await importCsv('PT-UNODC', Buffer.alloc(5 * 1024 * 1024 + 10, 'a'));
      expect(big.status).toBe(413);
      expect(big.body.details).toEqual([expect.objectContaining({ field: 'body', rule: 'maxSize' })]);
      const unknown = await importCsv('PT-NOBODY', EXAMPLE_CSV);
      expect(unknown.status).toBe(404);
    });
  });

  describe('what you GET you can PUT back (#17)', () => {
    const PATH = '/partners/PT-OSCE/initiatives/OSCE-RT-1';
    const ID = 'PT-OSCE-OSCE-RT-1';
    const read = async () => {
      const res = await call<Record<string, unknown>>(liaison.baseUrl, 'GET', PATH);
      expect(res.status).toBe(200);
      return { body: res.body, etag: res.headers.get('etag')! };
    };
    const retitled = (body: Record<string, unknown>, text: string) => ({ ...body, title: { lang: 'en', text } });
    const put = (body: unknown, headers: Record<string, string>) =>
      call<ErrorAnswer & Record<string, unknown>>(liaison.baseUrl, 'PUT', PATH, body, headers);

    beforeAll(async () => {
      const registered = await call(
        liaison.baseUrl,
        'POST',
        '/partners',
        partnerBody({ ref: 'PT-OSCE', acronym: 'OSCE', name: 'OSCE', webhook: undefined }),
      );
      expect(registered.status).toBe(201);
      const reported = await call(
        liaison.baseUrl,
        'POST',
        '/partners/PT-OSCE/initiatives',
        initiative({ localId: 'OSCE-RT-1' }),
      );
      expect(reported.status).toBe(201);
    });

    it('takes the representation GET returned, its title edited: 200, version + 1, published as updated', async () => {
      const { body, etag } = await read();
      expect(body).toMatchObject({
        initiativeId: ID,
        reportingOrg: { ref: 'PT-OSCE', type: 'PARTNER', secondaryReporter: true },
        version: 1,
      });
      const before = await counts();
      const res = await put(retitled(body, 'Regional training on foreign terrorist fighters, second session'), {
        'If-Match': etag,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('ctp-outcome')).toBe('UPDATED');
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({
        initiativeId: ID,
        reportingOrg: body.reportingOrg,
        version: 2,
        title: { lang: 'en', text: 'Regional training on foreign terrorist fighters, second session' },
      });
      expect(await counts()).toEqual({ initiatives: before.initiatives, events: before.events + 1 });
      const last = (await published('osce')).pop()!;
      expect(last.subject).toBe('ctp.partner.osce.initiative.updated.v1');
      expect(last.event.data).toEqual(res.body);
      expect(checkInitiativeSnapshot(last.event.data)).toMatchObject({ ok: true });
    });

    it('takes it with the localId of the path too, and as a no-op when nothing was edited', async () => {
      const { body, etag } = await read();
      const before = await counts();
      const res = await put({ ...body, localId: 'OSCE-RT-1' }, { 'If-Match': etag });
      expect(res.status).toBe(200);
      expect(res.headers.get('ctp-outcome')).toBe('UNCHANGED');
      expect(res.body).toEqual(body);
      expect(await counts()).toEqual(before);
    });

    it.each<[string, Record<string, unknown>, string, string]>([
      ['an initiativeId of another record', { initiativeId: 'PT-OSCE-OSCE-RT-2' }, 'initiativeId', 'matchesPath'],
      ['a localId of another record', { localId: 'OSCE-RT-2' }, 'localId', 'matchesPath'],
      [
        "another partner's reportingOrg",
        { reportingOrg: { ref: 'PT-EUROPOL', type: 'PARTNER', secondaryReporter: true } },
        'reportingOrg.ref',
        'sameAsRecord',
      ],
    ])('refuses %s (%j) with 409 naming %s (%s), storing and publishing nothing', async (_name, over, field, rule) => {
      const { body, etag } = await read();
      const before = await counts();
      const res = await put(retitled({ ...body, ...over }, 'x y z'), { 'If-Match': etag });
      expect(res.status).toBe(409);
      expect(res.body.details).toEqual([expect.objectContaining({ field, rule })]);
      expect(await counts()).toEqual(before);
      expect((await read()).body).toEqual(body);
    });

    it('refuses a body version other than If-Match (412 version), and a stale If-Match (412 If-Match)', async () => {
      const { body, etag } = await read();
      const before = await counts();
      const mixed = await put(retitled({ ...body, version: 1 }, 'stale copy'), { 'If-Match': etag });
      expect(mixed.status).toBe(412);
      expect(mixed.body.details).toEqual([expect.objectContaining({ field: 'version', rule: 'matchesIfMatch' })]);
      const stale = await put(retitled({ ...body, version: 1 }, 'stale copy'), { 'If-Match': '"1"' });
      expect(stale.status).toBe(412);
      expect(stale.body.details).toEqual([expect.objectContaining({ field: 'If-Match', rule: 'currentVersion' })]);
      expect(await counts()).toEqual(before);
    });

    it.each<[string, Record<string, unknown>, Record<string, string>, number, string, string]>([
      ['an unknown field', { budget: 1000 }, { 'If-Match': '"2"' }, 400, 'budget', 'whitelistValidation'],
      ['a version that is not a number', { version: 'two' }, { 'If-Match': '"2"' }, 400, 'version', 'isInt'],
      ['a malformed If-Match', {}, { 'If-Match': 'latest' }, 400, 'If-Match', 'version'],
      ['no If-Match', {}, {}, 428, 'If-Match', 'required'],
    ])('refuses %s (%j, headers %j) with %i naming %s (%s)', async (_name, over, headers, status, field, rule) => {
      const { body } = await read();
      const before = await counts();
      const res = await put({ ...body, ...over }, headers);
      expect(res.status).toBe(status);
      expect(res.body.details).toEqual([expect.objectContaining({ field, rule })]);
      expect(await counts()).toEqual(before);
    });

    it('answers 404 for a record never reported and 409 for a withdrawn one, and POST stays strict', async () => {
      const { body } = await read();
      const unknown = await call<ErrorAnswer>(
        liaison.baseUrl,
        'PUT',
        '/partners/PT-OSCE/initiatives/NOPE',
        { ...body, initiativeId: 'PT-OSCE-NOPE' },
        { 'If-Match': '"1"' },
      );
      expect(unknown.status).toBe(404);
      const report = await call<ErrorAnswer>(liaison.baseUrl, 'POST', '/partners/PT-OSCE/initiatives', {
        ...body,
        localId: 'OSCE-RT-1',
      });
      expect(report.status).toBe(400);
      expect(report.body.details.map((d) => d.field).sort()).toEqual([
        'initiativeId',
        'lastUpdatedAt',
        'reportingOrg',
        'version',
      ]);
      const gone = await call<InitiativeSnapshot>(liaison.baseUrl, 'POST', `${PATH}/withdraw`, { reason: 'test' });
      expect(gone.status).toBe(200);
      const withdrawn = await put(gone.body, { 'If-Match': `"${gone.body.version}"` });
      expect(withdrawn.status).toBe(409);
      expect(withdrawn.body.details).toEqual([
        expect.objectContaining({ field: 'initiativeId', rule: 'notWithdrawn' }),
      ]);
    });

    it('documents the PUT body in OpenAPI with each server-managed field and its rule', async () => {
      const docs = await call<{
        paths: Record<
          string,
          { put?: { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } } }
        >;
      }>(liaison.baseUrl, 'GET', '/docs-json');
      const schema = docs.body.paths['/partners/{ref}/initiatives/{localId}'].put!.requestBody.content[
        'application/json'
      ].schema as { properties: Record<string, { description?: string }> };
      expect(schema.properties.reportingOrg.description).toMatch(/ignored when .* 409 \(sameAsRecord/);
      expect(schema.properties.version.description).toMatch(/412 \(matchesIfMatch\)/);
    });
  });
});
