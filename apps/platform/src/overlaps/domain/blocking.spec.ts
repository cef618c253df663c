import {
  BlockRecord,
  blockKeysOf,
  lookupKeysOf,
  sameRecord,
  storedKeysOf,
  storedPeriodLength,
  storedRecordOf,
} from './blocking';

const day = (iso: string, plusDays: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + plusDays * 86_400_000).toISOString().slice(0, 10);

describe('blocking keys', () => {
  it('gives one key per country and period touched by the interval widened by 15 days', () => {
    expect(blockKeysOf(['KE', 'UG'], '2027-03-20', '2027-03-22', 'M')).toEqual([
      'KE:M2027-03',
      'KE:M2027-04',
      'UG:M2027-03',
      'UG:M2027-04',
    ]);
    expect(blockKeysOf(['FR'], '2027-01-10', '2027-01-12', 'M')).toEqual(['FR:M2026-12', 'FR:M2027-01']);
    expect(blockKeysOf(['FR'], '2027-02-01', '2027-11-30', 'Q')).toEqual([
      'FR:Q2027-1',
      'FR:Q2027-2',
      'FR:Q2027-3',
      'FR:Q2027-4',
    ]);
    expect(blockKeysOf(['FR'], '2026-12-20', '2029-06-30', 'Y')).toEqual([
      'FR:Y2026',
      'FR:Y2027',
      'FR:Y2028',
      'FR:Y2029',
    ]);
  });

  it('stores a record under months, quarters or years by its length', () => {
    expect(storedPeriodLength('2027-01-01', '2027-01-05')).toBe('M');
    expect(storedPeriodLength('2027-01-01', '2027-03-04')).toBe('M');
    expect(storedPeriodLength('2027-01-01', '2027-12-31')).toBe('Q');
    expect(storedPeriodLength('2027-01-01', '2029-12-31')).toBe('Y');
    // A three-year project in two countries: 2 × 5 year keys (2026–2030 once widened), not 2 × 38 month keys.
    expect(storedKeysOf({ countries: ['KE', 'UG'], start: '2027-01-01', end: '2029-12-31' })).toHaveLength(10);
  });

  it('gives nothing without countries or dates', () => {
    expect(blockKeysOf([], '2027-01-01', '2027-01-02', 'M')).toEqual([]);
    expect(storedKeysOf({ countries: ['FR'], start: '', end: '2027-01-02' })).toEqual([]);
    expect(lookupKeysOf({ countries: ['FR'], start: '', end: '' })).toEqual([]);
  });

  it('lets a changed record meet every stored record of its country at most 30 days away, short or long (no candidate is lost)', () => {
    const meets = (a: { start: string; end: string }, b: { start: string; end: string }) => {
      const lookups = new Set(lookupKeysOf({ countries: ['KE'], ...a }));
      return storedKeysOf({ countries: ['KE'], ...b }).some((k) => lookups.has(k));
    };
    for (let startOffset = 0; startOffset < 800; startOffset += 11) {
      for (const aLength of [0, 3, 40, 100, 380, 900]) {
        const a = { start: day('2026-01-01', startOffset), end: day('2026-01-01', startOffset + aLength) };
        for (const bLength of [0, 2, 62, 63, 200, 400, 401, 1200]) {
          for (const gap of [0, 1, 15, 29, 30]) {
            const after = { start: day(a.end, gap), end: day(a.end, gap + bLength) };
            const before = { start: day(a.start, -gap - bLength), end: day(a.start, -gap) };
            const overlapping = { start: day(a.start, -bLength), end: day(a.start, Math.min(gap, aLength)) };
            for (const b of [after, before, overlapping]) {
              if (!meets(a, b) || !meets(b, a))
                throw new Error(`${JSON.stringify(a)} and ${JSON.stringify(b)} do not meet`);
            }
          }
        }
      }
    }
  });

  it('stores one row per record with keys, its lists sorted, and tells rows apart by every column', () => {
    const record: BlockRecord = {
      initiativeId: 'PT-UNODC-1',
      reporterRef: 'PT-UNODC',
      primaryStream: 'IDENTIFICATION',
      secondaryStreams: ['TRAVEL_MOBILITY', 'FINANCING'],
      countries: ['UG', 'KE'],
      start: '2027-03-10',
      end: '2027-03-12',
    };
    const row = storedRecordOf(record)!;
    expect(row).toEqual({ ...record, secondaryStreams: ['FINANCING', 'TRAVEL_MOBILITY'], countries: ['KE', 'UG'] });
    expect(storedKeysOf(row).sort()).toEqual(storedKeysOf(record).sort());
    expect(sameRecord(row, storedRecordOf({ ...record, countries: ['KE', 'UG'] })!)).toBe(true);
    for (const change of [
      { initiativeId: 'PT-UNODC-2' },
      { reporterRef: 'PT-OSCE' },
      { primaryStream: 'FINANCING' },
      { secondaryStreams: ['FINANCING'] },
      { countries: ['KE'] },
      { countries: ['KE', 'UG', 'TZ'] },
      { start: '2027-03-09' },
      { end: '2027-03-13' },
    ])
      expect(sameRecord(row, storedRecordOf({ ...record, ...change })!)).toBe(false);
    expect(storedRecordOf({ ...record, countries: [] })).toBeUndefined();
    expect(storedRecordOf({ ...record, start: '', end: '' })).toBeUndefined();
  });
});
