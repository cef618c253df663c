import { randomUUID } from 'node:crypto';
import { CloudEvent, SourceDigest, SYNC_DIGEST_TYPE, SyncSubjects } from '@ctp/contracts';
import { as } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { call, initiativeBody } from '../support/hub-fixtures';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';
import { syncOf } from '../support/sync-view';

const UNODC = '/ctp/partner-liaison/unodc';
const UNOCT = '/ctp/partner-liaison/unoct';

const partnerBody = (acronym: string) => ({
  ref: `PT-${acronym}`,
  acronym,
  name: `${acronym} (test partner)`,
  type: 'UN_ENTITY',
  regions: ['GLB'],
  agreement: 'MoU 2019-07',
});

/**
 * A partner's records, imported through partner-liaison and deleted from the platform's read model behind its back,
 * come back by reconciliation alone: partner-liaison publishes a digest per partner on the partner's own subject, the
 * platform narrows the difference down and partner-liaison re-publishes what it lacks.
 */
describe('reconciliation between partner-liaison and the platform', () => {
  let nats: TestNatsServer;
  let liaison: ServiceProcess;
  let platform: ServiceProcess;
  let publisher: TestPublisher;
  const liaisonDb = TestDatabase.fresh('recliaison');
  const platformDb = TestDatabase.fresh('recplatp');

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    liaison = new ServiceProcess('partner-liaison', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: liaisonDb.url,
      RECONCILE_INTERVAL_MS: '300',
      RECONCILE_HEARTBEAT_MS: '1000',
    });
    platform = new ServiceProcess('platform', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: platformDb.url,
    });
    await Promise.all([liaison.start(), platform.start()]);
    publisher = await TestPublisher.connect(nats.url);
  });

  afterAll(async () => {
    await publisher?.close();
    await Promise.all([liaison?.stop(), platform?.stop()]);
    await nats?.stop();
    await Promise.all([liaisonDb.drop(), platformDb.drop()]);
  });

  const sourceView = (source: string) => syncOf(platform.baseUrl, source);

  it("detects the divergence from a partner's digest and has partner-liaison re-publish what is missing", async () => {
    for (const acronym of ['UNODC', 'UNOCT']) {
      expect((await call(liaison.baseUrl, 'POST', '/partners', partnerBody(acronym))).status).toBe(201);
    }
    const csv = [
      'Activity,Title (English),Type,Streams,Status,Countries,From,To,Scope,Shareable',
      '#activity+id,#activity+name+i_en,#activity+type,#sector,#status,#country+code,#date+start,#date+end,#scope,#meta+visibility',
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `r-${i},Regional workshop on terrorist financing ${i},MTG,FINANCING,PIPELINE,SN|ML,2027-0${1 + (i % 9)}-01,2027-0${1 + (i % 9)}-03,REGIONAL,PARTNER_SHAREABLE`,
      ),
    ].join('\r\n');
    const imported = await fetch(`${liaison.baseUrl}/partners/PT-UNODC/initiatives:import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', ...(await as.partner('PT-UNODC')) },
      body: csv,
    });
    expect(imported.status).toBe(200);
    expect(((await imported.json()) as { imported: number }).imported).toBe(12);
    // One record changed (version 2), one withdrawn (version 2): what comes back must be the final state.
    const updated = await call(
      liaison.baseUrl,
      'POST',
      '/partners/PT-UNODC/initiatives',
      initiativeBody({
        localId: 'r-3',
        kind: 'MTG',
        title: { lang: 'fr', text: 'Atelier régional sur le financement du terrorisme 3' },
        actionStreams: { primary: 'FINANCING', secondary: [] },
        recipientCountries: ['SN', 'ML'],
        dates: { plannedStart: '2027-04-01', plannedEnd: '2027-04-03' },
        description: 'agenda out',
      }),
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ version: 2 });
    const withdrawn = await call(liaison.baseUrl, 'POST', '/partners/PT-UNODC/initiatives/r-4/withdraw', {
      reason: 'reported twice',
    });
    expect(withdrawn.body).toMatchObject({ version: 2 });
    for (const localId of ['a', 'b', 'c']) {
      expect(
        (await call(liaison.baseUrl, 'POST', '/partners/PT-UNOCT/initiatives', initiativeBody({ localId }))).status,
      ).toBe(201);
    }

    await waitFor(
      'the platform to hold every partner record at its final version',
      async () => {
        const [row] = await platformDb.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM registry_initiatives
            WHERE (source = $1 AND version = CASE WHEN initiative_id IN ('PT-UNODC-r-3', 'PT-UNODC-r-4') THEN 2 ELSE 1 END)
               OR source = $2`,
          [UNODC, UNOCT],
        );
        return row.n === 15;
      },
      30_000,
    );
    const checksBefore = (await sourceView(UNODC))?.reconciliation?.checks ?? 0;
    await waitFor(
      'matching digests of both partners taken after that',
      async () => {
        const [odc, oct] = [await sourceView(UNODC), await sourceView(UNOCT)];
        return (
          odc?.reconciliation?.matched === true &&
          odc.reconciliation.checks > checksBefore &&
          odc.reconciliation.sourceDigest.count === 12 &&
          oct?.reconciliation?.matched === true &&
          oct.reconciliation.sourceDigest.count === 3
        );
      },
      30_000,
    );
    expect((await sourceView(UNODC))?.reconciliation).toMatchObject({ lastRepair: null, repairedTotal: 0 });

    // Behind the platform's back: four of UNODC's records vanish from its read model.
    const lost = ['r-0', 'r-3', 'r-4', 'r-11'].map((l) => `PT-UNODC-${l}`);
    await platformDb.query(`DELETE FROM registry_initiatives WHERE initiative_id = ANY($1::text[])`, [lost]);

    const repaired = await waitFor(
      'a repair, then a matching digest again',
      async () => {
        const s = await sourceView(UNODC);
        return s?.reconciliation?.matched && s.reconciliation.repairedTotal > 0 ? s : undefined;
      },
      30_000,
      200,
    );
    expect(repaired.records).toBe(12);
    expect(repaired.reconciliation?.lastRepair).toMatchObject({ requested: 4, resent: 4, unexplained: [] });
    expect(repaired.reconciliation?.lastRepair?.error).toBeUndefined();
    const back = await platformDb.query<{ initiative_id: string; source: string; version: number; withdrawn: boolean }>(
      `SELECT initiative_id, source, version, withdrawn FROM registry_initiatives
        WHERE initiative_id = ANY($1::text[]) ORDER BY 1`,
      [lost],
    );
    expect(back).toEqual([
      { initiative_id: 'PT-UNODC-r-0', source: UNODC, version: 1, withdrawn: false },
      { initiative_id: 'PT-UNODC-r-11', source: UNODC, version: 1, withdrawn: false },
      { initiative_id: 'PT-UNODC-r-3', source: UNODC, version: 2, withdrawn: false },
      { initiative_id: 'PT-UNODC-r-4', source: UNODC, version: 2, withdrawn: true },
    ]);
    // The other partner was never out of step: nothing repaired there.
    expect((await sourceView(UNOCT))?.reconciliation).toMatchObject({ matched: true, repairedTotal: 0 });

    const lines = platform.logLines();
    expect(lines.some((l) => l.msg === 'reconciliation checked' && l.matched === false && l.source === UNODC)).toBe(
      true,
    );
    expect(lines.some((l) => l.msg === 'reconciliation checked' && l.matched === false && l.source === UNOCT)).toBe(
      false,
    );
    expect(lines.find((l) => l.msg === 'reconciliation repair')).toMatchObject({
      source: UNODC,
      requested: 4,
      resent: 4,
    });
    expect(liaison.logLines().find((l) => l.msg === 'records re-published for reconciliation')).toMatchObject({
      source: UNODC,
      requested: 4,
      resent: 4,
    });
  });

  it("rejects a digest of one partner published under another's subject or source", async () => {
    const forged = (envelopeSource: string, digestSource: string): CloudEvent<SourceDigest> => ({
      specversion: '1.0',
      id: randomUUID(),
      source: envelopeSource,
      type: SYNC_DIGEST_TYPE,
      subject: 'digest',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { source: digestSource, count: 999, hash: 'forged', generatedAt: new Date().toISOString() },
    });
    const attempts = [
      // UNODC's digest on UNOCT's subject.
      { subject: SyncSubjects.partnerDigest('unoct'), event: forged(UNODC, UNODC) },
      // UNOCT vouching, on its own subject, for UNODC's records.
      { subject: SyncSubjects.partnerDigest('unoct'), event: forged(UNOCT, UNODC) },
      // UNOCT vouching, on UNODC's subject, for UNODC's records.
      { subject: SyncSubjects.partnerDigest('unodc'), event: forged(UNOCT, UNODC) },
      // A partner's digest on a hub's subject.
      { subject: SyncSubjects.hubDigest('afr'), event: forged(UNODC, UNODC) },
    ];
    await publisher.publishAll(attempts);
    for (const { event } of attempts) {
      const outcome = await waitFor(`the outcome of ${event.id}`, async () => {
        const res = await fetch(`${platform.baseUrl}/events/${encodeURIComponent(event.source)}/${event.id}`, {
          headers: await as.analyst(),
        });
        const body = res.ok ? ((await res.json()) as { outcome: string | null; reason: string | null }) : undefined;
        return body?.outcome ? body : undefined;
      });
      expect(outcome).toMatchObject({ outcome: 'REJECTED', reason: 'OWNERSHIP_VIOLATION' });
    }
    // None of them was taken for a check of either partner.
    expect(platform.logLines().some((l) => l.msg === 'reconciliation checked' && l.sourceCount === 999)).toBe(false);
    for (const source of [UNODC, UNOCT]) {
      expect((await sourceView(source))?.reconciliation?.sourceDigest.hash).not.toBe('forged');
    }
  });
});
