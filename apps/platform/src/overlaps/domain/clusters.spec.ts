import { canonicalOf, clustersOf } from './clusters';
import type { MatchCandidate } from './match-candidate';

function member(
  initiativeId: string,
  reporterType: MatchCandidate['reporterType'],
  firstReportedAt: string,
): MatchCandidate {
  return {
    initiativeId,
    reporterRef: initiativeId
      .split('-')
      .slice(0, reporterType === 'HUB' ? 3 : 2)
      .join('-'),
    reporterType,
    kind: 'TRN',
    titles: [{ lang: 'en', text: 'Regional training on foreign terrorist fighters' }],
    countries: ['SN'],
    primaryStream: 'TRAVEL_MOBILITY',
    secondaryStreams: [],
    start: '2025-03-10',
    end: '2025-03-14',
    participatingOrgRefs: [],
    funderRefs: [],
    related: [],
    otherIdentifiers: [],
    firstReportedAt,
  };
}

describe('clustersOf', () => {
  it('joins a chain a–b, b–c into one cluster', () => {
    expect(
      clustersOf([
        { a: 'c', b: 'b' },
        { a: 'a', b: 'b' },
      ]),
    ).toEqual([['a', 'b', 'c']]);
  });

  it('keeps separate components apart, each sorted, ordered by first member', () => {
    expect(
      clustersOf([
        { a: 'PT-UNODC-9', b: 'IP-HUB-AFR-2' },
        { a: 'IP-HUB-MDE-1', b: 'PT-GCCPOL-1' },
        { a: 'IP-HUB-AFR-2', b: 'IP-HUB-AFR-1' },
      ]),
    ).toEqual([
      ['IP-HUB-AFR-1', 'IP-HUB-AFR-2', 'PT-UNODC-9'],
      ['IP-HUB-MDE-1', 'PT-GCCPOL-1'],
    ]);
  });

  it('merges two components joined by a later pair, whatever the order of the pairs', () => {
    const pairs = [
      { a: 'a', b: 'b' },
      { a: 'c', b: 'd' },
      { a: 'e', b: 'f' },
      { a: 'b', b: 'c' },
      { a: 'a', b: 'b' },
    ];
    expect(clustersOf(pairs)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f'],
    ]);
    expect(clustersOf([...pairs].reverse())).toEqual(clustersOf(pairs));
  });

  it('gives nothing for no pairs, and no cluster for a record paired with itself', () => {
    expect(clustersOf([])).toEqual([]);
    expect(clustersOf([{ a: 'a', b: 'a' }])).toEqual([]);
  });

  it('sorts by code unit, not by locale', () => {
    expect(
      clustersOf([
        { a: 'b', b: 'B' },
        { a: 'a', b: 'B' },
      ]),
    ).toEqual([['B', 'a', 'b']]);
  });

  it('handles a long chain', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `X-${String(i).padStart(5, '0')}`);
    const pairs = ids.slice(1).map((id, i) => ({ a: id, b: ids[i] }));
    expect(clustersOf(pairs)).toEqual([ids]);
  });
});

describe('canonicalOf', () => {
  it('prefers a hub record to a partner record, even one reported earlier', () => {
    expect(
      canonicalOf([
        member('PT-UNODC-1', 'PARTNER', '2025-01-01T00:00:00Z'),
        member('IP-HUB-AFR-7', 'HUB', '2025-03-01T00:00:00Z'),
      ]),
    ).toBe('IP-HUB-AFR-7');
  });

  it('puts the platform’s own record after hubs and before partners', () => {
    const platform = member('IP-GS-CTP-1', 'PLATFORM', '2025-01-01T00:00:00Z');
    expect(canonicalOf([member('PT-UNODC-1', 'PARTNER', '2024-01-01T00:00:00Z'), platform])).toBe('IP-GS-CTP-1');
    expect(canonicalOf([platform, member('IP-HUB-EUR-1', 'HUB', '2025-06-01T00:00:00Z')])).toBe('IP-HUB-EUR-1');
  });

  it('then takes the earliest first reported', () => {
    expect(
      canonicalOf([
        member('IP-HUB-AFR-1', 'HUB', '2025-03-02T00:00:00Z'),
        member('IP-HUB-MDE-9', 'HUB', '2025-03-01T23:59:59Z'),
        member('PT-UNODC-1', 'PARTNER', '2025-01-01T00:00:00Z'),
      ]),
    ).toBe('IP-HUB-MDE-9');
  });

  it('compares instants, not strings, across time-zone offsets', () => {
    expect(
      canonicalOf([
        member('IP-HUB-AFR-1', 'HUB', '2025-03-01T10:00:00Z'),
        member('IP-HUB-ASI-1', 'HUB', '2025-03-01T17:00:00+08:00'), // 09:00Z
      ]),
    ).toBe('IP-HUB-ASI-1');
  });

  it('then the smaller id', () => {
    const at = '2025-03-01T00:00:00Z';
    expect(canonicalOf([member('IP-HUB-MDE-1', 'HUB', at), member('IP-HUB-AFR-2', 'HUB', at)])).toBe('IP-HUB-AFR-2');
    expect(canonicalOf([member('PT-UNODC-2', 'PARTNER', at), member('PT-AFRIPOL-9', 'PARTNER', at)])).toBe(
      'PT-AFRIPOL-9',
    );
  });

  it('does not depend on the members’ order', () => {
    const members = [
      member('PT-UNODC-1', 'PARTNER', '2025-01-01T00:00:00Z'),
      member('IP-HUB-MDE-1', 'HUB', '2025-02-01T00:00:00Z'),
      member('IP-HUB-AFR-1', 'HUB', '2025-02-01T00:00:00Z'),
      member('IP-GS-CTP-1', 'PLATFORM', '2024-01-01T00:00:00Z'),
    ];
    expect(canonicalOf(members)).toBe('IP-HUB-AFR-1');
    expect(canonicalOf([...members].reverse())).toBe('IP-HUB-AFR-1');
  });

  it('returns the only member of a one-record cluster and refuses an empty one', () => {
    expect(canonicalOf([member('PT-UNODC-1', 'PARTNER', '2025-01-01T00:00:00Z')])).toBe('PT-UNODC-1');
    expect(() => canonicalOf([])).toThrow();
  });
});
