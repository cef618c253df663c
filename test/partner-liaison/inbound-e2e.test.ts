import { as } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { call } from '../support/hub-fixtures';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

interface PairView {
  id: string;
  aId: string;
  bId: string;
  effective: string | null;
  score: number;
}

/**
 * The reason partners report at all: the same activity reported by a hub (in French, over its REST API) and by a
 * partner (in English, in a CSV file) shows up at the platform as one DUPLICATE pair.
 */
describe('partner CSV → platform duplicate of a hub initiative, end to end', () => {
  let nats: TestNatsServer;
  const hubDb = TestDatabase.fresh('e2e_hub');
  const platformDb = TestDatabase.fresh('e2e_platform');
  const liaisonDb = TestDatabase.fresh('e2e_liaison');
  let hub: ServiceProcess;
  let platform: ServiceProcess;
  let liaison: ServiceProcess;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    hub = new ServiceProcess(
      'hub',
      { HUB_REGION: 'eur', PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: hubDb.url },
      'hub-eur',
    );
    platform = new ServiceProcess('platform', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: platformDb.url,
    });
    liaison = new ServiceProcess('partner-liaison', {
      PORT: String(await freePort()),
      NATS_URL: nats.url,
      DATABASE_URL: liaisonDb.url,
    });
    await Promise.all([hub.start(), platform.start(), liaison.start()]);
  });

  afterAll(async () => {
    await Promise.all([hub?.stop(), platform?.stop(), liaison?.stop()]);
    await nats?.stop();
    await Promise.all([hubDb.drop(), platformDb.drop(), liaisonDb.drop()]);
  });

  it('lists the hub record and the partner row as a DUPLICATE pair at the platform', async () => {
    const hubRecord = await call<{ initiativeId: string }>(hub.baseUrl, 'POST', '/initiatives', {
      localId: 'ftf-training-2027',
      kind: 'TRN',
      title: { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
      actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
      status: 'PIPELINE',
      dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
      scope: 'REGIONAL',
      recipientCountries: ['FR', 'BE'],
      visibility: 'PARTNER_SHAREABLE',
    });
    expect(hubRecord.status).toBe(201);

    const registered = await call(liaison.baseUrl, 'POST', '/partners', {
      ref: 'PT-EUROPOL',
      acronym: 'EUROPOL',
      name: 'European Union Agency for Law Enforcement Cooperation',
      type: 'REGIONAL_POLICE',
      regions: ['EUR'],
      agreement: 'Operational agreement 2001-12',
    });
    expect(registered.status).toBe(201);
    const csv = [
      'Activity,Title (English),Type,Streams,Status,Countries,From,To,Scope,Shareable',
      '#activity+id,#activity+name+i_en,#activity+type,#sector,#status,#country+code,#date+start,#date+end,#scope,#meta+visibility',
      'EU-2027-17,Regional training on foreign terrorist fighters,TRN,TRAVEL_MOBILITY,PIPELINE,BE|FR,2027-03-01,2027-03-05,REGIONAL,PARTNER_SHAREABLE',
    ].join('\r\n');
    const imported = await fetch(`${liaison.baseUrl}/partners/PT-EUROPOL/initiatives:import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', ...(await as.partner('PT-EUROPOL')) },
      body: csv,
    });
    expect(imported.status).toBe(200);
    const report = (await imported.json()) as { imported: number; rows: { initiativeId: string }[] };
    expect(report.imported).toBe(1);
    const partnerId = report.rows[0].initiativeId;
    expect(partnerId).toBe('PT-EUROPOL-EU-2027-17');

    const atPlatform = await waitFor('the partner record at the platform', async () => {
      const r = await call<{ source: string; snapshot: { reportingOrg: { secondaryReporter: boolean } } }>(
        platform.baseUrl,
        'GET',
        `/initiatives/${partnerId}`,
      );
      return r.status === 200 ? r.body : undefined;
    });
    expect(atPlatform).toMatchObject({
      source: '/ctp/partner-liaison/europol',
      snapshot: { reportingOrg: { secondaryReporter: true } },
    });

    const pair = await waitFor('the DUPLICATE pair at the platform', async () => {
      const r = await call<{ items: PairView[] }>(platform.baseUrl, 'GET', '/overlaps?classification=DUPLICATE');
      return r.body.items.find(
        (p) => [p.aId, p.bId].sort().join() === [hubRecord.body.initiativeId, partnerId].sort().join(),
      );
    });
    expect(pair).toMatchObject({ effective: 'DUPLICATE' });
    expect(pair.score).toBeGreaterThanOrEqual(0.8);
  });
});
