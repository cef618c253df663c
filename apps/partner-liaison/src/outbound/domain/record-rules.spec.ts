import { CloudEvent, InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { hubOfSource, judgeHubEvent, KnownRecordState, RecordVerdict } from './record-rules';

const ID = 'IP-HUB-AFR-TRN-1';
const REPORTED_ON = 'ctp.hub.afr.initiative.reported.v1';
const UPDATED_ON = 'ctp.hub.afr.initiative.updated.v1';
const NOW = Date.parse('2025-01-10T00:00:00Z');

function snapshot(overrides: Partial<InitiativeSnapshot> = {}): InitiativeSnapshot {
  return {
    initiativeId: ID,
    reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false },
    version: 1,
    lastUpdatedAt: '2025-01-02T03:04:05.000Z',
    kind: 'TRN',
    title: { lang: 'en', text: 'Regional training' },
    actionStreams: { primary: 'IDENTIFICATION', secondary: [] },
    status: 'PIPELINE',
    dates: { plannedStart: '2025-03-01', plannedEnd: '2025-03-05' },
    scope: 'NATIONAL',
    recipientCountries: ['KE'],
    visibility: 'PARTNER_SHAREABLE',
    ...overrides,
  };
}

function event(data: unknown, envelope: Partial<CloudEvent<unknown>> = {}): CloudEvent<unknown> {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: '/ctp/hubs/afr',
    type: InitiativeEventType.Reported,
    subject: ID,
    time: '2025-01-02T03:04:05.000Z',
    datacontenttype: 'application/json',
    data,
    ...envelope,
  };
}

const APPLY: RecordVerdict = { outcome: 'APPLY', hub: { ref: 'IP-HUB-AFR', region: 'AFR' } };
const rejected = (reason: string) => ({ outcome: 'REJECTED', reason, detail: expect.any(String) });
const state = (version: number, withdrawn = false, status: KnownRecordState['status'] = 'PIPELINE') => ({
  version,
  withdrawn,
  status,
});

describe('hubOfSource', () => {
  it.each([
    ['/ctp/hubs/afr', { ref: 'IP-HUB-AFR', region: 'AFR' }],
    ['/ctp/hubs/eur', { ref: 'IP-HUB-EUR', region: 'EUR' }],
    ['/ctp/hubs/xyz', undefined],
    ['/ctp/partner-liaison/unodc', undefined],
    ['/ctp/platform', undefined],
    [42, undefined],
  ])('%p → %p', (source, hub) => {
    expect(hubOfSource(source)).toEqual(hub);
  });
});

describe('judgeHubEvent', () => {
  it.each<[string, CloudEvent<unknown>, string, KnownRecordState | undefined, RecordVerdict | object]>([
    ['a new record', event(snapshot()), REPORTED_ON, undefined, APPLY],
    [
      'the next version',
      event(snapshot({ version: 2 }), { type: InitiativeEventType.Updated }),
      UPDATED_ON,
      state(1),
      APPLY,
    ],
    [
      'a skipped version, any valid status',
      event(snapshot({ version: 5, status: 'CANCELLED' }), { type: InitiativeEventType.Updated }),
      UPDATED_ON,
      state(1),
      APPLY,
    ],
    [
      'the same version again',
      event(snapshot()),
      REPORTED_ON,
      state(1),
      { outcome: 'IGNORED', reason: 'STALE_VERSION' },
    ],
    [
      'an older version',
      event(snapshot({ version: 2 }), { type: InitiativeEventType.Updated }),
      UPDATED_ON,
      state(3),
      { outcome: 'IGNORED', reason: 'STALE_VERSION' },
    ],
    [
      'a change after withdrawal',
      event(snapshot({ version: 3 }), { type: InitiativeEventType.Updated }),
      UPDATED_ON,
      state(2, true),
      rejected('WITHDRAWN'),
    ],
    [
      'a partner source on a hub subject',
      event(snapshot({ initiativeId: 'PT-UNODC-1' }), { source: '/ctp/partner-liaison/unodc', subject: 'PT-UNODC-1' }),
      REPORTED_ON,
      undefined,
      rejected('OWNERSHIP_VIOLATION'),
    ],
    [
      "another hub's id",
      event(snapshot({ initiativeId: 'IP-HUB-EUR-1' }), { subject: 'IP-HUB-EUR-1' }),
      REPORTED_ON,
      undefined,
      rejected('OWNERSHIP_VIOLATION'),
    ],
    [
      "another hub's subject",
      event(snapshot()),
      'ctp.hub.eur.initiative.reported.v1',
      undefined,
      rejected('OWNERSHIP_VIOLATION'),
    ],
    ['the wrong action subject', event(snapshot()), UPDATED_ON, undefined, rejected('OWNERSHIP_VIOLATION')],
    [
      'an envelope subject that is not the id',
      event(snapshot(), { subject: 'IP-HUB-AFR-other' }),
      REPORTED_ON,
      undefined,
      rejected('OWNERSHIP_VIOLATION'),
    ],
    [
      'a reportingOrg that is not the hub',
      event(snapshot({ reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false } })),
      REPORTED_ON,
      undefined,
      rejected('OWNERSHIP_VIOLATION'),
    ],
    [
      'a reportingOrg that is not an object',
      event({ ...snapshot(), reportingOrg: 'IP-HUB-AFR' }),
      REPORTED_ON,
      undefined,
      rejected('OWNERSHIP_VIOLATION'),
    ],
    [
      'an unknown event type',
      event(snapshot(), { type: 'ctp.initiative.deleted.v1' }),
      REPORTED_ON,
      undefined,
      rejected('OWNERSHIP_VIOLATION'),
    ],
    ['data without an id', event({ hello: 'world' }), REPORTED_ON, undefined, rejected('OWNERSHIP_VIOLATION')],
    [
      'a numeric id',
      event({ ...snapshot(), initiativeId: 7 }),
      REPORTED_ON,
      undefined,
      rejected('OWNERSHIP_VIOLATION'),
    ],
    [
      'a version that is not a positive integer',
      event(snapshot({ version: 0 })),
      REPORTED_ON,
      undefined,
      rejected('SCHEMA'),
    ],
    ['a fractional version', event(snapshot({ version: 1.5 })), REPORTED_ON, undefined, rejected('SCHEMA')],
    ['a field of the wrong type', event({ ...snapshot(), kind: 'PARTY' }), REPORTED_ON, undefined, rejected('SCHEMA')],
    [
      'dates the wrong way round',
      event(snapshot({ dates: { plannedStart: '2025-03-05', plannedEnd: '2025-03-01' } })),
      REPORTED_ON,
      undefined,
      rejected('INVALID_DATES'),
    ],
    [
      'a status change the lifecycle forbids',
      event(
        snapshot({
          version: 2,
          status: 'CLOSED',
          dates: {
            plannedStart: '2024-12-01',
            plannedEnd: '2024-12-05',
            actualStart: '2024-12-01',
            actualEnd: '2024-12-05',
          },
        }),
        { type: InitiativeEventType.Updated },
      ),
      UPDATED_ON,
      state(1),
      rejected('INVALID_TRANSITION'),
    ],
    [
      'a withdrawal, whatever the status',
      event(snapshot({ version: 2, status: 'PIPELINE' }), { type: InitiativeEventType.Withdrawn }),
      'ctp.hub.afr.initiative.withdrawn.v1',
      state(1, false, 'CLOSED'),
      APPLY,
    ],
  ])('%s', (_label, e, arrivedOn, stored, verdict) => {
    expect(judgeHubEvent(e, arrivedOn, stored, NOW)).toEqual(verdict);
  });

  it('never throws, whatever the data', () => {
    for (const data of [null, undefined, [], 'x', 1, { initiativeId: ID, reportingOrg: null }, { initiativeId: ID }]) {
      expect(() => judgeHubEvent(event(data), REPORTED_ON, undefined, NOW)).not.toThrow();
      expect(judgeHubEvent(event(data), REPORTED_ON, undefined, NOW).outcome).toBe('REJECTED');
    }
  });
});
