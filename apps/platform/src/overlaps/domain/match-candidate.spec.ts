import type { InitiativeSnapshot } from '@ctp/contracts';
import { fingerprintOfCandidate, toMatchCandidate } from './match-candidate';

function snapshot(overrides: Partial<InitiativeSnapshot> = {}): InitiativeSnapshot {
  return {
    initiativeId: 'PT-UNODC-GLOT32-SN-118',
    reportingOrg: { ref: 'PT-UNODC', type: 'PARTNER', secondaryReporter: true },
    version: 3,
    lastUpdatedAt: '2025-03-21T16:45:00Z',
    kind: 'TRN',
    title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
    titleAlt: [
      { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
      { lang: 'ar', text: 'تدريب إقليمي حول المقاتلين الإرهابيين الأجانب' },
    ],
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
    status: 'CLOSED',
    dates: { plannedStart: '2025-03-03', plannedEnd: '2025-03-07', actualStart: '2025-03-10', actualEnd: '2025-03-14' },
    scope: 'REGIONAL',
    recipientCountries: ['SN', 'ML'],
    participatingOrgs: [
      { ref: 'PT-UNODC', name: 'UNODC', role: 'ACCOUNTABLE' },
      { ref: 'IP-HUB-AFR', name: 'INTERPOL CT Hub Africa', role: 'IMPLEMENTING' },
      { ref: 'XI-IATI-EC_INTPA', name: 'European Commission', role: 'FUNDING' },
      { ref: 'GB-GOV-1', name: 'FCDO', role: 'FUNDING' },
    ],
    relatedInitiatives: [{ ref: 'IP-HUB-AFR-TRN-2025-031', type: 5 }],
    otherIdentifiers: [{ ref: 'GLOT32-118', ownerOrg: 'PT-UNODC' }],
    visibility: 'PARTNER_SHAREABLE',
    ...overrides,
  };
}

describe('toMatchCandidate', () => {
  it('flattens what duplicate detection needs', () => {
    expect(toMatchCandidate(snapshot({ codeName: 'SAHEL-SHIELD' }), '2025-03-14T08:00:00Z')).toEqual({
      initiativeId: 'PT-UNODC-GLOT32-SN-118',
      reporterRef: 'PT-UNODC',
      reporterType: 'PARTNER',
      kind: 'TRN',
      codeName: 'SAHEL-SHIELD',
      titles: [
        { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
        { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
        { lang: 'ar', text: 'تدريب إقليمي حول المقاتلين الإرهابيين الأجانب' },
      ],
      countries: ['SN', 'ML'],
      primaryStream: 'TRAVEL_MOBILITY',
      secondaryStreams: ['IDENTIFICATION'],
      start: '2025-03-10',
      end: '2025-03-14',
      participatingOrgRefs: ['PT-UNODC', 'IP-HUB-AFR', 'XI-IATI-EC_INTPA', 'GB-GOV-1'],
      funderRefs: ['XI-IATI-EC_INTPA', 'GB-GOV-1'],
      related: [{ ref: 'IP-HUB-AFR-TRN-2025-031', type: 5 }],
      otherIdentifiers: [{ ref: 'GLOT32-118', ownerOrg: 'PT-UNODC' }],
      firstReportedAt: '2025-03-14T08:00:00Z',
    });
  });

  it('leaves codeName out when the snapshot has none, and copies rather than shares arrays', () => {
    const s = snapshot();
    const c = toMatchCandidate(s, '2025-03-14T08:00:00Z');
    expect('codeName' in c).toBe(false);
    expect(c.titles[0]).not.toBe(s.title);
    expect(c.countries).not.toBe(s.recipientCountries);
  });

  it('uses planned dates where actual ones are not known', () => {
    const c = toMatchCandidate(
      snapshot({ status: 'PIPELINE', dates: { plannedStart: '2025-09-15', plannedEnd: '2025-09-19' } }),
      '2025-03-01T00:00:00Z',
    );
    expect([c.start, c.end]).toEqual(['2025-09-15', '2025-09-19']);
    const ongoing = toMatchCandidate(
      snapshot({
        status: 'IMPLEMENTATION',
        dates: { plannedStart: '2025-03-03', plannedEnd: '2025-06-30', actualStart: '2025-03-10' },
      }),
      '2025-03-01T00:00:00Z',
    );
    expect([ongoing.start, ongoing.end]).toEqual(['2025-03-10', '2025-06-30']);
  });

  it('keeps the planned duration when an initiative started after its planned end and has not ended', () => {
    const c = toMatchCandidate(
      snapshot({
        status: 'IMPLEMENTATION',
        dates: { plannedStart: '2025-03-03', plannedEnd: '2025-03-07', actualStart: '2025-04-14' },
      }),
      '2025-03-01T00:00:00Z',
    );
    expect([c.start, c.end]).toEqual(['2025-04-14', '2025-04-18']);
  });

  it('copes with snapshots without dates, optional lists or funders', () => {
    const s = snapshot({
      dates: undefined,
      titleAlt: undefined,
      relatedInitiatives: undefined,
      otherIdentifiers: undefined,
      participatingOrgs: undefined,
    });
    const c = toMatchCandidate(s, '2025-03-14T08:00:00Z');
    expect([c.start, c.end]).toEqual(['', '']);
    expect(c.titles).toHaveLength(1);
    expect(c.related).toEqual([]);
    expect(c.otherIdentifiers).toEqual([]);
    expect(c.participatingOrgRefs).toEqual([]);
    expect(c.funderRefs).toEqual([]);
  });

  it('lists each organisation and country once', () => {
    const c = toMatchCandidate(
      snapshot({
        recipientCountries: ['SN', 'ML', 'SN'],
        participatingOrgs: [
          { ref: 'GB-GOV-1', name: 'FCDO', role: 'FUNDING' },
          { ref: 'GB-GOV-1', name: 'FCDO', role: 'ACCOUNTABLE' },
        ],
      }),
      '2025-03-14T08:00:00Z',
    );
    expect(c.countries).toEqual(['SN', 'ML']);
    expect(c.participatingOrgRefs).toEqual(['GB-GOV-1']);
    expect(c.funderRefs).toEqual(['GB-GOV-1']);
  });

  it('carries the reporter type of hubs and the platform', () => {
    const hub = toMatchCandidate(
      snapshot({
        initiativeId: 'IP-HUB-EUR-X',
        reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false },
      }),
      '2025-01-01T00:00:00Z',
    );
    expect([hub.reporterRef, hub.reporterType]).toEqual(['IP-HUB-EUR', 'HUB']);
    const platform = toMatchCandidate(
      snapshot({
        initiativeId: 'IP-GS-CTP-X',
        reportingOrg: { ref: 'IP-GS-CTP', type: 'PLATFORM', secondaryReporter: false },
      }),
      '2025-01-01T00:00:00Z',
    );
    expect(platform.reporterType).toBe('PLATFORM');
  });
});

describe('fingerprintOfCandidate', () => {
  const fingerprint = (s: InitiativeSnapshot) => fingerprintOfCandidate(toMatchCandidate(s, '2025-03-14T08:00:00Z'));
  const base = fingerprint(snapshot());

  it.each<[string, Partial<InitiativeSnapshot>]>([
    ['a new version and timestamp', { version: 4, lastUpdatedAt: '2025-04-01T00:00:00Z' }],
    ['a status change that keeps the dates', { status: 'COMPLETED' as InitiativeSnapshot['status'] }],
    ['a new description', { description: 'Five days in Dakar, then follow-up online.' } as Partial<InitiativeSnapshot>],
    ['another visibility', { visibility: 'INTERPOL_RESTRICTED' }],
  ])('is unchanged by %s (nothing the matcher reads)', (_what, change) => {
    expect(fingerprint(snapshot(change))).toBe(base);
  });

  it('is unchanged by when the platform first received the record', () => {
    expect(fingerprintOfCandidate(toMatchCandidate(snapshot(), '2026-01-01T00:00:00Z'))).toBe(base);
  });

  it.each<[string, Partial<InitiativeSnapshot>]>([
    ['a new title', { title: { lang: 'en', text: 'Regional workshop on foreign terrorist fighters' } }],
    ['another translation', { titleAlt: [] }],
    ['a country more', { recipientCountries: ['SN', 'ML', 'NE'] }],
    [
      'new actual dates',
      { dates: { plannedStart: '2025-03-03', plannedEnd: '2025-03-07', actualStart: '2025-03-17' } },
    ],
    ['another primary stream', { actionStreams: { primary: 'IDENTIFICATION', secondary: ['TRAVEL_MOBILITY'] } }],
    ['another kind', { kind: 'MTG' }],
    ['another related initiative', { relatedInitiatives: [{ ref: 'IP-HUB-AFR-TRN-2025-032', type: 5 }] }],
    ['a funder less', { participatingOrgs: [{ ref: 'PT-UNODC', name: 'UNODC', role: 'ACCOUNTABLE' }] }],
  ])('changes with %s', (_what, change) => {
    expect(fingerprint(snapshot(change))).not.toBe(base);
  });
});

describe('toMatchCandidate of a withdrawal stub (a tombstone for a record never held: no content)', () => {
  it('gives a candidate without titles or streams instead of failing', () => {
    const stub = {
      initiativeId: 'IP-HUB-AFR-gone',
      reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false },
      version: 2,
      lastUpdatedAt: '2025-03-21T16:45:00Z',
      withdrawal: { reason: 'reported in error', withdrawnAt: '2025-03-21T16:45:00Z' },
    } as unknown as InitiativeSnapshot;
    expect(toMatchCandidate(stub, '2025-03-21T16:45:00Z')).toMatchObject({
      initiativeId: 'IP-HUB-AFR-gone',
      titles: [],
      countries: [],
      secondaryStreams: [],
      start: '',
      end: '',
    });
  });
});
