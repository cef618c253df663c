import { as } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { TestNatsServer, freePort } from '../support/nats-server';
import { ServiceProcess, waitFor } from '../support/services';

/** The first whole flow: a hub accepts an initiative over REST, the platform shows it, and the logs tie them together. */
describe('hub → platform, end to end', () => {
  let nats: TestNatsServer;
  const hubDb = TestDatabase.fresh('hub');
  const platformDb = TestDatabase.fresh('platform');
  let hub: ServiceProcess;
  let platform: ServiceProcess;

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
    await Promise.all([hub.start(), platform.start()]);
  });

  afterAll(async () => {
    await Promise.all([hub?.stop(), platform?.stop()]);
    await nats?.stop();
    await Promise.all([hubDb.drop(), platformDb.drop()]);
  });

  it('shows an initiative reported at the eur hub on the platform, with one correlation id across both logs', async () => {
    const correlationId = `e2e-${Date.now()}`;
    const res = await fetch(`${hub.baseUrl}/initiatives`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId, ...(await as.hub('eur')) },
      body: JSON.stringify({
        localId: 'ftf-training-2027',
        kind: 'TRN',
        title: { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
        actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
        status: 'PIPELINE',
        dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
        scope: 'REGIONAL',
        recipientCountries: ['FR', 'BE'],
        visibility: 'PARTNER_SHAREABLE',
      }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe(correlationId);
    const created = (await res.json()) as { initiativeId: string; version: number };
    expect(created).toMatchObject({ initiativeId: 'IP-HUB-EUR-ftf-training-2027', version: 1 });

    const seen = await waitFor('the platform to hold the initiative', async () => {
      const r = await fetch(`${platform.baseUrl}/initiatives/${created.initiativeId}`, { headers: await as.analyst() });
      return r.status === 200 ? ((await r.json()) as Record<string, unknown>) : undefined;
    });
    expect(seen).toMatchObject({
      initiativeId: created.initiativeId,
      source: '/ctp/hubs/eur',
      version: 1,
      withdrawn: false,
    });
    expect((seen.snapshot as { title: { text: string } }).title.text).toContain('combattants terroristes');

    const hubLine = hub.logLines().find((l) => l.msg === 'initiative reported' && l.correlationId === correlationId);
    const platformLine = await waitFor('the platform log line', async () =>
      platform.logLines().find((l) => l.msg === 'event handled' && l.correlationId === correlationId),
    );
    expect(hubLine).toMatchObject({ initiativeId: created.initiativeId });
    expect(platformLine).toMatchObject({
      initiativeId: created.initiativeId,
      outcome: 'APPLIED',
      source: '/ctp/hubs/eur',
    });
  });

  it('publishes nothing for a rejected request, and names each bad field', async () => {
    const res = await fetch(`${hub.baseUrl}/initiatives`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await as.hub('eur')) },
      body: JSON.stringify({
        kind: 'XYZ',
        title: { lang: 'de', text: 'x' },
        status: 'PIPELINE',
        recipientCountries: ['fr'],
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { details: { field: string; rule: string }[] };
    const fields = body.details.map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(['kind', 'title.lang', 'actionStreams', 'dates', 'scope', 'visibility']),
    );
    const [{ n }] = await hubDb.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events`);
    expect(n).toBe(1); // only the initiative of the first test
  });

  it('answers health and metrics', async () => {
    const ready = await fetch(`${platform.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { postgres: { ok: true }, nats: { ok: true } } });
    const metricsOf = async (service: ServiceProcess) => {
      const res = await fetch(`${service.baseUrl}/metrics`, { headers: await as.operator() });
      expect(res.status).toBe(200);
      return res.text();
    };
    const metrics = await metricsOf(platform);
    expect(metrics).toMatch(/ctp_events_handled_total\{[^}]*outcome="APPLIED"[^}]*\} 1/);
    const hubMetrics = await metricsOf(hub);
    expect(hubMetrics).toMatch(/ctp_outbox_published_total\{[^}]*duplicate="false"[^}]*\} 1/);
  });
});
