import {
  EventSources,
  INITIATIVE_EVENT_TYPES,
  InitiativeEventType,
  initiativeAction,
  JetStreamNames,
  PARTNER_CODE_PATTERN,
  parseSource,
  PlatformEventType,
  Subjects,
  subjectForSource,
} from './events';
import { HUB_REGIONS } from './regions';

const TYPES: [InitiativeEventType, string][] = [
  [InitiativeEventType.Reported, 'reported'],
  [InitiativeEventType.Updated, 'updated'],
  [InitiativeEventType.Withdrawn, 'withdrawn'],
];

/** NATS subject matching: `*` is one token, `>` one or more trailing tokens. */
function natsMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

describe('InitiativeEventType / INITIATIVE_EVENT_TYPES', () => {
  it('lists exactly the three initiative event types', () => {
    expect([...INITIATIVE_EVENT_TYPES].sort()).toEqual([
      'ctp.initiative.reported.v1',
      'ctp.initiative.updated.v1',
      'ctp.initiative.withdrawn.v1',
    ]);
  });
});

describe('initiativeAction', () => {
  it.each(TYPES)('%s → %s', (type, action) => {
    expect(initiativeAction(type)).toBe(action);
  });
});

describe('EventSources', () => {
  it.each(HUB_REGIONS.map((r) => [r, `/ctp/hubs/${r}`]))('hub(%s) → %s', (region, source) => {
    expect(EventSources.hub(region as (typeof HUB_REGIONS)[number])).toBe(source);
  });

  it.each([
    ['unodc', '/ctp/partner-liaison/unodc'],
    ['UNODC', '/ctp/partner-liaison/unodc'],
    ['EuLisa', '/ctp/partner-liaison/eulisa'],
    ['g7', '/ctp/partner-liaison/g7'],
  ])('partner(%s) → %s (lower-cased)', (code, source) => {
    expect(EventSources.partner(code)).toBe(source);
  });

  it('names the platform', () => {
    expect(EventSources.platform).toBe('/ctp/platform');
  });
});

describe('Subjects', () => {
  describe('hubInitiative', () => {
    const cases = HUB_REGIONS.flatMap((region) =>
      TYPES.map(([type, action]) => [region, type, `ctp.hub.${region}.initiative.${action}.v1`] as const),
    );
    it.each(cases)('(%s, %s) → %s', (region, type, subject) => {
      expect(Subjects.hubInitiative(region, type)).toBe(subject);
    });

    it.each(cases)('(%s, %s) falls under allHubs and all, not allPartners', (region, type) => {
      const subject = Subjects.hubInitiative(region, type);
      expect(natsMatches(Subjects.allHubs, subject)).toBe(true);
      expect(natsMatches(Subjects.all, subject)).toBe(true);
      expect(natsMatches(Subjects.allPartners, subject)).toBe(false);
    });
  });

  describe('partnerInitiative', () => {
    it.each([
      ['unodc', InitiativeEventType.Reported, 'ctp.partner.unodc.initiative.reported.v1'],
      ['UNODC', InitiativeEventType.Updated, 'ctp.partner.unodc.initiative.updated.v1'],
      ['EuLisa', InitiativeEventType.Withdrawn, 'ctp.partner.eulisa.initiative.withdrawn.v1'],
    ])('(%s, %s) → %s', (code, type, subject) => {
      expect(Subjects.partnerInitiative(code, type)).toBe(subject);
    });

    it('falls under allPartners and all, not allHubs', () => {
      const subject = Subjects.partnerInitiative('unodc', InitiativeEventType.Reported);
      expect(natsMatches(Subjects.allPartners, subject)).toBe(true);
      expect(natsMatches(Subjects.all, subject)).toBe(true);
      expect(natsMatches(Subjects.allHubs, subject)).toBe(false);
    });
  });

  describe('platformEvent', () => {
    it.each([
      [PlatformEventType.OverlapFlagged, 'ctp.platform.overlap.flagged.v1'],
      [PlatformEventType.OverlapCleared, 'ctp.platform.overlap.cleared.v1'],
      [PlatformEventType.RollupUpdated, 'ctp.platform.rollup.updated.v1'],
    ])('%s → %s', (type, subject) => {
      expect(Subjects.platformEvent(type)).toBe(subject);
      expect(natsMatches(Subjects.platformAll, subject)).toBe(true);
      expect(natsMatches(Subjects.allHubs, subject)).toBe(false);
      expect(natsMatches(Subjects.allPartners, subject)).toBe(false);
    });

    it('puts overlap events, and only those, under allOverlaps', () => {
      expect(natsMatches(Subjects.allOverlaps, Subjects.platformEvent(PlatformEventType.OverlapFlagged))).toBe(true);
      expect(natsMatches(Subjects.allOverlaps, Subjects.platformEvent(PlatformEventType.OverlapCleared))).toBe(true);
      expect(natsMatches(Subjects.allOverlaps, Subjects.platformEvent(PlatformEventType.RollupUpdated))).toBe(false);
    });
  });

  it('keeps dead letters outside ctp.>', () => {
    expect(
      natsMatches(Subjects.all, `${JetStreamNames.deadLetterSubjectPrefix}.ctp.hub.eur.initiative.reported.v1`),
    ).toBe(false);
  });
});

describe('subjectForSource', () => {
  describe('hubs', () => {
    const cases = HUB_REGIONS.flatMap((region) =>
      TYPES.map(([type, action]) => [`/ctp/hubs/${region}`, type, `ctp.hub.${region}.initiative.${action}.v1`]),
    );
    it.each(cases)('%s, %s → %s', (source, type, subject) => {
      expect(subjectForSource(source, type as InitiativeEventType)).toBe(subject);
    });

    it.each(HUB_REGIONS)('agrees with EventSources.hub and Subjects.hubInitiative for %s', (region) => {
      for (const [type] of TYPES) {
        expect(subjectForSource(EventSources.hub(region), type)).toBe(Subjects.hubInitiative(region, type));
      }
    });
  });

  describe('partners', () => {
    it.each([
      ['/ctp/partner-liaison/unodc', InitiativeEventType.Reported, 'ctp.partner.unodc.initiative.reported.v1'],
      ['/ctp/partner-liaison/eulisa', InitiativeEventType.Updated, 'ctp.partner.eulisa.initiative.updated.v1'],
      ['/ctp/partner-liaison/g7', InitiativeEventType.Withdrawn, 'ctp.partner.g7.initiative.withdrawn.v1'],
    ])('%s, %s → %s', (source, type, subject) => {
      expect(subjectForSource(source, type)).toBe(subject);
    });

    it.each(['unodc', 'UNODC', 'EuLisa'])(
      'agrees with EventSources.partner and Subjects.partnerInitiative for %s',
      (code) => {
        for (const [type] of TYPES) {
          expect(subjectForSource(EventSources.partner(code), type)).toBe(Subjects.partnerInitiative(code, type));
        }
      },
    );
  });

  describe('unknown sources → undefined', () => {
    it.each([
      ['the platform', '/ctp/platform'],
      ['an unknown hub region', '/ctp/hubs/xyz'],
      ['an upper-case hub region', '/ctp/hubs/EUR'],
      ['a hub with a trailing slash', '/ctp/hubs/eur/'],
      ['a hub with a suffix', '/ctp/hubs/eurx'],
      ['a hub source without the leading slash', 'ctp/hubs/eur'],
      ['a hub source nested elsewhere', '/evil/ctp/hubs/eur'],
      ['a partner with no code', '/ctp/partner-liaison/'],
      ['an upper-case partner code', '/ctp/partner-liaison/UNODC'],
      ['a partner code with a dot (would add a NATS token)', '/ctp/partner-liaison/un.odc'],
      ['a partner code with a wildcard', '/ctp/partner-liaison/*'],
      ['a partner code with a space', '/ctp/partner-liaison/un odc'],
      ['a nested partner path', '/ctp/partner-liaison/unodc/x'],
      ['a partner code with a hyphen (no acronym has one)', '/ctp/partner-liaison/eu-lisa'],
      ['a one-character partner code (an acronym has 2 to 20)', '/ctp/partner-liaison/x'],
      ['a 21-character partner code', `/ctp/partner-liaison/${'a'.repeat(21)}`],
      ['the empty string', ''],
    ])('%s (%p)', (_label, source) => {
      expect(subjectForSource(source, InitiativeEventType.Reported)).toBeUndefined();
    });
  });
});

describe('parseSource', () => {
  it.each(HUB_REGIONS)('reads the hub source of %s, the inverse of EventSources.hub', (region) => {
    expect(parseSource(EventSources.hub(region))).toEqual({ kind: 'hub', region });
  });

  it.each(['unodc', 'UNODC', 'g7', 'EuLisa', 'A1B2C3D4E5F6G7H8I9J0'])(
    "reads a partner's source, the inverse of EventSources.partner (%s)",
    (acronym) => {
      expect(parseSource(EventSources.partner(acronym))).toEqual({ kind: 'partner', code: acronym.toLowerCase() });
    },
  );

  it('reads the platform', () => {
    expect(parseSource(EventSources.platform)).toEqual({ kind: 'platform' });
  });

  it.each([
    '/ctp/hubs/xyz',
    '/ctp/hubs/EUR',
    '/ctp/hubs/eur/',
    'ctp/hubs/eur',
    '/evil/ctp/hubs/eur',
    '/ctp/partner-liaison/',
    '/ctp/partner-liaison/UNODC',
    '/ctp/partner-liaison/un.odc',
    '/ctp/partner-liaison/un-odc',
    '/ctp/partner-liaison/*',
    '/ctp/partner-liaison/>',
    '/ctp/partner-liaison/x',
    `/ctp/partner-liaison/${'a'.repeat(21)}`,
    '/ctp/partner-liaison/unodc/x',
    '/ctp/platform/x',
    '/ctp/platformx',
    '',
  ])('reads nothing from %p', (source) => {
    expect(parseSource(source)).toBeUndefined();
  });

  it.each([undefined, null, 42, {}, ['/ctp/platform']])('reads nothing from a non-string (%p)', (source) => {
    expect(parseSource(source)).toBeUndefined();
  });

  it('accepts exactly the partner codes of the refs partner-liaison registers (PT-[A-Z0-9]{2,20}, lower-cased)', () => {
    const ref = /^PT-[A-Z0-9]{2,20}$/;
    for (const acronym of ['UN', 'UNODC', 'G7', 'A'.repeat(20), 'A', 'A'.repeat(21), 'EU-LISA', 'UN.ODC', 'UN ODC']) {
      const code = acronym.toLowerCase();
      expect(PARTNER_CODE_PATTERN.test(code)).toBe(ref.test(`PT-${acronym}`));
      expect(parseSource(`/ctp/partner-liaison/${code}`) !== undefined).toBe(ref.test(`PT-${acronym}`));
    }
  });
});
