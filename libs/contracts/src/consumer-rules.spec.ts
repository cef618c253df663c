import { CloudEvent, InitiativeEventType } from './events';
import { InitiativeSnapshot } from './initiative';
import { judgeInitiativeEvent, ownedPrefix, RegistryState, RuleVerdict } from './consumer-rules';

const EUR_ID = 'IP-HUB-EUR-OP-1';
const EUR_SOURCE = '/ctp/hubs/eur';
const EUR_REPORTED = 'ctp.hub.eur.initiative.reported.v1';

/** The reporting organisation an id belongs to, so a fixture with another org's id is consistent by default. */
function orgOf(id: string): InitiativeSnapshot['reportingOrg'] {
  const hub = /^(IP-HUB-[A-Z]{3})-/.exec(id);
  if (hub) return { ref: hub[1], type: 'HUB', secondaryReporter: false };
  const partner = /^(PT-[A-Z0-9]+)-/.exec(id);
  if (partner) return { ref: partner[1], type: 'PARTNER', secondaryReporter: true };
  return { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false };
}

function snapshot(overrides: Partial<InitiativeSnapshot> = {}): InitiativeSnapshot {
  return {
    initiativeId: EUR_ID,
    reportingOrg: orgOf(overrides.initiativeId ?? EUR_ID),
    version: 1,
    lastUpdatedAt: '2025-01-02T03:04:05.000Z',
    kind: 'OPS',
    title: { lang: 'en', text: 'Operation One' },
    actionStreams: { primary: 'IDENTIFICATION', secondary: [] },
    status: 'PIPELINE',
    dates: { plannedStart: '2025-03-01', plannedEnd: '2025-03-05' },
    scope: 'NATIONAL',
    recipientCountries: ['FR'],
    visibility: 'PARTNER_SHAREABLE',
    ...overrides,
  };
}

function event(
  data: Partial<InitiativeSnapshot> = {},
  envelope: Partial<CloudEvent<InitiativeSnapshot>> = {},
): CloudEvent<InitiativeSnapshot> {
  const snap = snapshot(data);
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: EUR_SOURCE,
    type: InitiativeEventType.Reported,
    subject: snap.initiativeId,
    time: '2025-01-02T03:04:05.000Z',
    datacontenttype: 'application/json',
    dataschema: 'ctp:initiative:v1',
    data: snap,
    ...envelope,
  };
}

const APPLY: RuleVerdict = { outcome: 'APPLY' };
const STALE: RuleVerdict = { outcome: 'IGNORED', reason: 'STALE_VERSION' };
const rejected = (reason: string) => ({ outcome: 'REJECTED', reason, detail: expect.any(String) });
const state = (version: number, withdrawn = false): RegistryState => ({ version, withdrawn });

describe('ownedPrefix', () => {
  it.each([
    ['/ctp/hubs/afr', 'IP-HUB-AFR-'],
    ['/ctp/hubs/mde', 'IP-HUB-MDE-'],
    ['/ctp/hubs/asi', 'IP-HUB-ASI-'],
    ['/ctp/hubs/eur', 'IP-HUB-EUR-'],
    ['/ctp/partner-liaison/unodc', 'PT-UNODC-'],
    ['/ctp/partner-liaison/eulisa', 'PT-EULISA-'],
    ['/ctp/partner-liaison/g7', 'PT-G7-'],
  ])('%s → %s', (source, prefix) => {
    expect(ownedPrefix(source)).toBe(prefix);
  });

  it.each([
    '/ctp/platform',
    '/ctp/hubs/xyz',
    '/ctp/hubs/EUR',
    '/ctp/hubs/eur/',
    '/ctp/partner-liaison/',
    '/ctp/partner-liaison/UNODC',
    '/ctp/partner-liaison/un.odc',
    '/ctp/partner-liaison/eu-lisa',
    'ctp/hubs/eur',
    '',
  ])('%p owns nothing', (source) => {
    expect(ownedPrefix(source)).toBeUndefined();
  });
});

describe('judgeInitiativeEvent', () => {
  describe('APPLY', () => {
    it.each<[string, CloudEvent<InitiativeSnapshot>, string, RegistryState | undefined]>([
      ['the first version of a new initiative', event(), EUR_REPORTED, undefined],
      ['a first sighting at a later version', event({ version: 7 }), EUR_REPORTED, undefined],
      [
        'the next version',
        event({ version: 2 }, { type: InitiativeEventType.Updated }),
        'ctp.hub.eur.initiative.updated.v1',
        state(1),
      ],
      [
        'a version that skips ahead',
        event({ version: 9 }, { type: InitiativeEventType.Updated }),
        'ctp.hub.eur.initiative.updated.v1',
        state(2),
      ],
      [
        'a withdrawal of a live record',
        event({ version: 4 }, { type: InitiativeEventType.Withdrawn }),
        'ctp.hub.eur.initiative.withdrawn.v1',
        state(3),
      ],
      [
        'another hub on its own subject',
        event({ initiativeId: 'IP-HUB-AFR-X' }, { source: '/ctp/hubs/afr' }),
        'ctp.hub.afr.initiative.reported.v1',
        undefined,
      ],
      [
        'a partner on its own subject',
        event({ initiativeId: 'PT-UNODC-42' }, { source: '/ctp/partner-liaison/unodc' }),
        'ctp.partner.unodc.initiative.reported.v1',
        undefined,
      ],
    ])('%s', (_label, ev, arrivedOn, stored) => {
      expect(judgeInitiativeEvent(ev, arrivedOn, stored)).toEqual(APPLY);
    });
  });

  describe('OWNERSHIP_VIOLATION: the source does not own the initiative id', () => {
    it.each<[string, CloudEvent<InitiativeSnapshot>, string]>([
      ['another hub’s prefix', event({ initiativeId: 'IP-HUB-AFR-OP-1' }), EUR_REPORTED],
      ['a partner’s prefix', event({ initiativeId: 'PT-UNODC-1' }), EUR_REPORTED],
      ['a prefix without its dash', event({ initiativeId: 'IP-HUB-EUROP-1' }), EUR_REPORTED],
      ['a lower-case id', event({ initiativeId: 'ip-hub-eur-op-1' }), EUR_REPORTED],
      [
        'a partner claiming a hub id',
        event({ initiativeId: 'IP-HUB-EUR-1' }, { source: '/ctp/partner-liaison/unodc' }),
        'ctp.partner.unodc.initiative.reported.v1',
      ],
      [
        'a partner claiming another partner’s id',
        event({ initiativeId: 'PT-INTERPOL-1' }, { source: '/ctp/partner-liaison/unodc' }),
        'ctp.partner.unodc.initiative.reported.v1',
      ],
      ['an unknown source', event({}, { source: '/ctp/platform' }), EUR_REPORTED],
      ['an unknown hub region', event({ initiativeId: 'IP-HUB-XYZ-1' }, { source: '/ctp/hubs/xyz' }), EUR_REPORTED],
    ])('%s', (_label, ev, arrivedOn) => {
      const verdict = judgeInitiativeEvent(ev, arrivedOn, undefined);
      expect(verdict).toEqual(rejected('OWNERSHIP_VIOLATION'));
      expect(verdict).toHaveProperty(
        'detail',
        `source ${ev.source} does not own initiative ${String(ev.data.initiativeId)}`,
      );
    });

    it.each([
      ['missing data', null],
      ['data without initiativeId', { version: 1 }],
      ['a numeric initiativeId', { ...snapshot(), initiativeId: 42 }],
      // Found by the fuzz (a tombstone's initiativeId): String() of this object throws; the detail must not.
      ['an initiativeId whose toString is not a function', { ...snapshot(), initiativeId: { toString: null } }],
      [
        'a reportingOrg.ref whose toString is not a function',
        { ...snapshot(), reportingOrg: { ref: { toString: 1 } } },
      ],
    ])('%s', (_label, data) => {
      const ev = { ...event(), data } as unknown as CloudEvent<InitiativeSnapshot>;
      expect(judgeInitiativeEvent(ev, EUR_REPORTED, undefined)).toEqual(rejected('OWNERSHIP_VIOLATION'));
    });
  });

  describe('OWNERSHIP_VIOLATION: envelope subject is not the initiative id', () => {
    it.each<[string, string | undefined]>([
      ['missing subject', undefined],
      ['another initiative', 'IP-HUB-EUR-OP-2'],
      ['the empty string', ''],
      ['a different case', 'ip-hub-eur-op-1'],
    ])('%s', (_label, subject) => {
      const ev = event({}, { subject });
      if (subject === undefined) delete ev.subject;
      const verdict = judgeInitiativeEvent(ev, EUR_REPORTED, undefined);
      expect(verdict).toEqual(rejected('OWNERSHIP_VIOLATION'));
      expect(verdict).toHaveProperty('detail', expect.stringContaining(EUR_ID));
    });
  });

  describe('OWNERSHIP_VIOLATION: arrived on a subject that is not the source’s own', () => {
    it.each<[string, CloudEvent<InitiativeSnapshot>, string]>([
      ['another hub’s subject', event(), 'ctp.hub.afr.initiative.reported.v1'],
      ['a partner’s subject', event(), 'ctp.partner.unodc.initiative.reported.v1'],
      ['the subject of another action', event(), 'ctp.hub.eur.initiative.updated.v1'],
      [
        'a withdrawal on the updated subject',
        event({}, { type: InitiativeEventType.Withdrawn }),
        'ctp.hub.eur.initiative.updated.v1',
      ],
      [
        'a partner event on a hub subject',
        event({ initiativeId: 'PT-UNODC-1' }, { source: '/ctp/partner-liaison/unodc' }),
        EUR_REPORTED,
      ],
      [
        'a partner event on another partner’s subject',
        event({ initiativeId: 'PT-UNODC-1' }, { source: '/ctp/partner-liaison/unodc' }),
        'ctp.partner.interpol.initiative.reported.v1',
      ],
      ['an unknown event type', event({}, { type: 'ctp.initiative.deleted.v1' as InitiativeEventType }), EUR_REPORTED],
      ['an empty arrival subject', event(), ''],
    ])('%s', (_label, ev, arrivedOn) => {
      const verdict = judgeInitiativeEvent(ev, arrivedOn, undefined);
      expect(verdict).toEqual(rejected('OWNERSHIP_VIOLATION'));
      expect(verdict).toHaveProperty(
        'detail',
        `event from ${ev.source} arrived on ${arrivedOn}, not on its own subject`,
      );
    });
  });

  describe('SCHEMA: version is not an integer >= 1', () => {
    it.each<[string, unknown]>([
      ['zero', 0],
      ['negative', -1],
      ['fractional', 1.5],
      ['a numeric string', '2'],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['missing', undefined],
      ['null', null],
    ])('%s', (_label, version) => {
      const ev = event({ version: version as number });
      const verdict = judgeInitiativeEvent(ev, EUR_REPORTED, undefined);
      expect(verdict).toEqual({ outcome: 'REJECTED', reason: 'SCHEMA', detail: 'version must be an integer >= 1' });
    });

    it('is reported even when a record is stored (a bad version cannot be compared)', () => {
      expect(judgeInitiativeEvent(event({ version: 0 }), EUR_REPORTED, state(3))).toEqual(rejected('SCHEMA'));
    });
  });

  describe('SCHEMA: lastUpdatedAt is not a timestamp', () => {
    it.each<[string, unknown]>([
      ['missing', undefined],
      ['not a date', 'yesterday'],
      ['a number', 1735787045000],
      ['empty', ''],
    ])('%s', (_label, lastUpdatedAt) => {
      const ev = event({ lastUpdatedAt: lastUpdatedAt as string });
      expect(judgeInitiativeEvent(ev, EUR_REPORTED, undefined)).toEqual({
        outcome: 'REJECTED',
        reason: 'SCHEMA',
        detail: expect.stringMatching(/^lastUpdatedAt: /),
      });
    });
  });

  describe('STALE_VERSION', () => {
    it.each([
      ['equal to the stored version', 3, 3],
      ['lower than the stored version', 2, 3],
      ['much lower', 1, 100],
    ])('%s is IGNORED', (_label, incoming, stored) => {
      expect(judgeInitiativeEvent(event({ version: incoming }), EUR_REPORTED, state(stored))).toEqual(STALE);
    });
  });

  describe('WITHDRAWN', () => {
    it.each([
      ['an update', InitiativeEventType.Updated, 'ctp.hub.eur.initiative.updated.v1'],
      ['another withdrawal', InitiativeEventType.Withdrawn, 'ctp.hub.eur.initiative.withdrawn.v1'],
      ['a re-report', InitiativeEventType.Reported, EUR_REPORTED],
    ])('%s with a newer version is REJECTED once the record is withdrawn', (_label, type, arrivedOn) => {
      const verdict = judgeInitiativeEvent(event({ version: 5 }, { type }), arrivedOn, state(4, true));
      expect(verdict).toEqual({
        outcome: 'REJECTED',
        reason: 'WITHDRAWN',
        detail: `${EUR_ID} was withdrawn and cannot change`,
      });
    });
  });

  describe('rule order: ownership, stale, withdrawn, schema', () => {
    it.each<[string, CloudEvent<InitiativeSnapshot>, string, RegistryState | undefined, RuleVerdict | object]>([
      [
        'ownership (prefix) before staleness',
        event({ initiativeId: 'IP-HUB-AFR-OP-1', version: 1 }),
        EUR_REPORTED,
        state(5),
        rejected('OWNERSHIP_VIOLATION'),
      ],
      [
        'ownership (arrival subject) before staleness',
        event({ version: 1 }),
        'ctp.hub.afr.initiative.reported.v1',
        state(5),
        rejected('OWNERSHIP_VIOLATION'),
      ],
      [
        'ownership (envelope subject) before staleness',
        event({ version: 1 }, { subject: 'IP-HUB-EUR-OTHER' }),
        EUR_REPORTED,
        state(5),
        rejected('OWNERSHIP_VIOLATION'),
      ],
      [
        'ownership before withdrawn',
        event({ initiativeId: 'IP-HUB-AFR-OP-1', version: 9 }),
        EUR_REPORTED,
        state(5, true),
        rejected('OWNERSHIP_VIOLATION'),
      ],
      [
        'ownership before schema',
        event({ initiativeId: 'IP-HUB-AFR-OP-1', version: 0, lastUpdatedAt: 'nope' }),
        EUR_REPORTED,
        undefined,
        rejected('OWNERSHIP_VIOLATION'),
      ],
      ['stale before withdrawn (equal version)', event({ version: 4 }), EUR_REPORTED, state(4, true), STALE],
      ['stale before withdrawn (lower version)', event({ version: 2 }), EUR_REPORTED, state(4, true), STALE],
      ['stale before the timestamp check', event({ version: 2, lastUpdatedAt: 'nope' }), EUR_REPORTED, state(4), STALE],
      [
        'withdrawn before the timestamp check',
        event({ version: 5, lastUpdatedAt: 'nope' }),
        EUR_REPORTED,
        state(4, true),
        rejected('WITHDRAWN'),
      ],
    ])('%s', (_label, ev, arrivedOn, stored, expected) => {
      expect(judgeInitiativeEvent(ev, arrivedOn, stored)).toEqual(expected);
    });
  });

  it('does not modify the event or the stored state', () => {
    const ev = event({ version: 2 });
    const before = JSON.stringify(ev);
    const stored = state(1);
    judgeInitiativeEvent(ev, EUR_REPORTED, stored);
    expect(JSON.stringify(ev)).toBe(before);
    expect(stored).toEqual({ version: 1, withdrawn: false });
  });
});

describe('judgeInitiativeEvent: validation and transitions (rules 5 and 6)', () => {
  const NOW = Date.parse('2025-01-02T03:04:05.000Z');
  const stored = (version: number, status: RegistryState['status']): RegistryState => ({
    version,
    withdrawn: false,
    status,
  });
  const updated = (data: Partial<InitiativeSnapshot>) => event(data, { type: InitiativeEventType.Updated });
  const EUR_UPDATED = 'ctp.hub.eur.initiative.updated.v1';

  it.each<[string, CloudEvent<InitiativeSnapshot>, string, RegistryState | undefined, string]>([
    [
      'planned dates reversed',
      event({ dates: { plannedStart: '2025-03-05', plannedEnd: '2025-03-01' } }),
      EUR_REPORTED,
      undefined,
      'INVALID_DATES',
    ],
    [
      'IMPLEMENTATION without actualStart',
      event({ status: 'IMPLEMENTATION' }),
      EUR_REPORTED,
      undefined,
      'INVALID_DATES',
    ],
    [
      'an actual start after the report',
      event({
        status: 'IMPLEMENTATION',
        dates: { plannedStart: '2025-03-01', plannedEnd: '2025-03-05', actualStart: '2025-06-01' },
      }),
      EUR_REPORTED,
      undefined,
      'ACTUAL_DATE_IN_FUTURE',
    ],
    ['an unknown kind', event({ kind: 'PARTY' as never }), EUR_REPORTED, undefined, 'SCHEMA'],
    ['a bad country', event({ recipientCountries: ['XX'] }), EUR_REPORTED, undefined, 'SCHEMA'],
    [
      'PIPELINE → CLOSED in the next version',
      updated({
        version: 2,
        status: 'CLOSED',
        dates: {
          plannedStart: '2024-03-01',
          plannedEnd: '2024-03-05',
          actualStart: '2024-03-01',
          actualEnd: '2024-03-05',
        },
      }),
      EUR_UPDATED,
      stored(1, 'PIPELINE'),
      'INVALID_TRANSITION',
    ],
    [
      'a change to a CANCELLED record',
      updated({ version: 4, status: 'PIPELINE' }),
      EUR_UPDATED,
      stored(3, 'CANCELLED'),
      'INVALID_TRANSITION',
    ],
    [
      "a reportingOrg that is not the source's",
      event({ reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false } }),
      EUR_REPORTED,
      undefined,
      'OWNERSHIP_VIOLATION',
    ],
  ])('rejects %s', (_label, ev, arrivedOn, state, reason) => {
    expect(judgeInitiativeEvent(ev, arrivedOn, state, NOW)).toEqual(rejected(reason));
  });

  it.each<[string, CloudEvent<InitiativeSnapshot>, RegistryState]>([
    ['an allowed transition', updated({ version: 2, status: 'CANCELLED' }), stored(1, 'PIPELINE')],
    ['the same status', updated({ version: 2, status: 'PIPELINE', description: 'more detail' }), stored(1, 'PIPELINE')],
    [
      'any valid snapshot when versions were skipped (the owner is authoritative)',
      updated({
        version: 5,
        status: 'CLOSED',
        dates: {
          plannedStart: '2024-03-01',
          plannedEnd: '2024-03-05',
          actualStart: '2024-03-01',
          actualEnd: '2024-03-05',
        },
      }),
      stored(1, 'PIPELINE'),
    ],
  ])('applies %s', (_label, ev, state) => {
    expect(judgeInitiativeEvent(ev, EUR_UPDATED, state, NOW)).toEqual(APPLY);
  });

  it('judges a stale event as stale before looking at its content', () => {
    expect(
      judgeInitiativeEvent(updated({ version: 2, kind: 'PARTY' as never }), EUR_UPDATED, stored(3, 'PIPELINE'), NOW),
    ).toEqual(STALE);
  });
});
