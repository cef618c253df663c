import { ISO_COUNTRY_CODES } from '@ctp/contracts';
import {
  BlockRecord,
  blockKeysOf,
  filingCodesOf,
  isAllCountriesCode,
  lookupCodesByLevel,
  lookupKeysAtLevel,
  lookupKeysOf,
  MAX_BLOCK_KEYS_PER_RECORD,
  MAX_LOOKUP_KEYS_PER_LEVEL,
  PERIOD_LENGTHS,
  sameRecord,
  storedKeysOf,
  storedLevelOf,
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
    expect(blockKeysOf(['FR'], '2016-01-01', '2025-12-31', 'D')).toEqual(['FR:D2010', 'FR:D2020']);
    expect(blockKeysOf(['FR', 'BE'], '2016-01-01', '2025-12-31', 'L')).toEqual(['FR:L', 'BE:L']);
    expect(blockKeysOf(['FR', 'BE'], '2016-01-01', '2025-12-31', 'G')).toEqual(['G']);
  });

  it('stores a record under months, quarters or years by its length', () => {
    expect(storedPeriodLength('2027-01-01', '2027-01-05')).toBe('M');
    expect(storedPeriodLength('2027-01-01', '2027-03-04')).toBe('M');
    expect(storedPeriodLength('2027-01-01', '2027-12-31')).toBe('Q');
    expect(storedPeriodLength('2027-01-01', '2029-12-31')).toBe('Y');
    // A three-year project in two countries: 2 × 5 year keys (2026–2030 once widened), not 2 × 38 month keys; then
    // its countries (`L`) and everything (`G`), all tagged with its level.
    const keys = storedKeysOf({ countries: ['KE', 'UG'], start: '2027-01-01', end: '2029-12-31' });
    expect(keys.filter((k) => /^Y>..:Y/.test(k))).toHaveLength(10);
    expect(keys.filter((k) => !/^Y>..:Y/.test(k))).toEqual(['Y>KE:L', 'Y>UG:L', 'Y>G']);
    // A course: its two months, its country and G.
    expect(storedKeysOf({ countries: ['KE'], start: '2027-05-10', end: '2027-05-12' })).toEqual([
      'M>KE:M2027-04',
      'M>KE:M2027-05',
      'M>KE:L',
      'M>G',
    ]);
  });

  it('files a record too broad for its length’s keys at a coarser length, so its keys stay under the cap', () => {
    const all = [...ISO_COUNTRY_CODES];
    expect(all).toHaveLength(249);
    const level = (countries: string[], start: string, end: string) => storedLevelOf({ countries, start, end });
    // Ten years over 20 countries: 12 × 20 year keys (+ countries, G) fit.
    expect(level(all.slice(0, 20), '2016-01-01', '2025-12-31')).toBe('Y');
    // Over 40: 12 × 40 year keys (+ 40 + 1) do not, decades do.
    expect(level(all.slice(0, 40), '2016-01-01', '2025-12-31')).toBe('D');
    // Over every country: 249 keys, one per country.
    expect(level(all, '2016-01-01', '2025-12-31')).toBe('L');
    expect(storedKeysOf({ countries: all, start: '2016-01-01', end: '2025-12-31' })).toHaveLength(250);
    // The record of issue #13 (0001-01-01 → 9999-12-31 over 249 countries), and one country for ten millennia.
    expect(level(all, '0001-01-01', '9999-12-31')).toBe('L');
    expect(level(['KE'], '0001-01-01', '9999-12-31')).toBe('L');
    expect(storedKeysOf({ countries: ['KE'], start: '0001-01-01', end: '9999-12-31' })).toEqual(['L>KE:L', 'L>G']);
    // A course over three countries is filed by its length, as before.
    expect(level(['KE', 'UG', 'TZ'], '2027-05-10', '2027-05-12')).toBe('M');
  });

  it('keeps every record’s keys and lookups under the caps, whatever its dates and countries', () => {
    const all = [...ISO_COUNTRY_CODES];
    const starts = ['0001-01-01', '1990-01-01', '2016-01-01', '2027-05-10', '2099-12-31'];
    const lengths = [0, 3, 62, 63, 400, 401, 3652, 36_524, 2_900_000];
    let checked = 0;
    for (const n of [1, 2, 7, 20, 40, 43, 100, 200, 249]) {
      const countries = all.slice(0, n);
      for (const start of starts) {
        for (const length of lengths) {
          const end = day(start, length);
          if (end > '9999-12-31') continue;
          const record = { countries, start, end };
          const stored = storedKeysOf(record);
          expect(stored.length).toBeGreaterThan(0);
          expect(stored.length).toBeLessThanOrEqual(MAX_BLOCK_KEYS_PER_RECORD);
          expect(new Set(stored).size).toBe(stored.length);
          for (const l of PERIOD_LENGTHS)
            expect(lookupKeysAtLevel(record, l).length).toBeLessThanOrEqual(MAX_LOOKUP_KEYS_PER_LEVEL);
          expect(lookupKeysOf(record).length).toBeLessThanOrEqual(PERIOD_LENGTHS.length * MAX_LOOKUP_KEYS_PER_LEVEL);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('numbers the keys one to one: the same key, the same number; another key, another number', () => {
    const all = [...ISO_COUNTRY_CODES];
    const starts = ['0001-01-01', '1990-01-01', '2016-01-01', '2027-05-10', '2099-12-31'];
    const lengths = [0, 3, 62, 63, 400, 401, 3652, 36_524, 2_900_000];
    const codeOfKey = new Map<string, number>();
    const keyOfCode = new Map<number, string>();
    const pair = (keys: string[], codes: number[]) => {
      expect(codes).toHaveLength(keys.length);
      keys.forEach((k, i) => {
        expect(Number.isSafeInteger(codes[i])).toBe(true);
        expect(codeOfKey.get(k) ?? codes[i]).toBe(codes[i]);
        expect(keyOfCode.get(codes[i]) ?? k).toBe(k);
        codeOfKey.set(k, codes[i]);
        keyOfCode.set(codes[i], k);
        expect(isAllCountriesCode(codes[i])).toBe(k.endsWith('>G'));
      });
    };
    for (const n of [1, 2, 7, 43, 249]) {
      for (const offset of [0, 5]) {
        const countries = all.slice(offset, offset + n);
        for (const start of starts) {
          for (const length of lengths) {
            const end = day(start, length);
            if (end > '9999-12-31') continue;
            const record = { countries, start, end };
            const filing = filingCodesOf(record)!;
            expect(filing.level).toBe(storedLevelOf(record));
            pair(storedKeysOf(record), filing.codes);
            const lookups = lookupCodesByLevel(record);
            PERIOD_LENGTHS.forEach((l, i) => pair(lookupKeysAtLevel(record, l), lookups[i]));
          }
        }
      }
    }
    expect(codeOfKey.size).toBeGreaterThan(1000);
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

  it('lets records over many countries and long spans meet every record sharing a country at most 30 days away', () => {
    const all = [...ISO_COUNTRY_CODES];
    const meets = (a: Span, b: Span) => {
      const lookups = new Set(lookupKeysOf(a));
      return storedKeysOf(b).some((k) => lookups.has(k));
    };
    interface Span {
      countries: string[];
      start: string;
      end: string;
    }
    // Broad records: every country, 40 of them, 20; ten years, forty, and the 0001 → 9999.
    const broad: Span[] = [];
    for (const countries of [all, all.slice(0, 40), all.slice(100, 120), all.slice(200)])
      for (const [start, end] of [
        ['2016-01-01', '2025-12-31'],
        ['2019-07-15', '2029-07-14'],
        ['1990-01-01', '2029-12-31'],
        ['0001-01-01', '9999-12-31'],
        ['2021-03-01', '2021-03-31'],
      ])
        broad.push({ countries, start, end });
    let pairs = 0;
    for (const a of broad) {
      // Records sharing one country with it (its first, its last) or several, of every length, around its start,
      // inside it, and around its end, at gaps up to 30 days.
      const shared = [[a.countries[0]], [a.countries[a.countries.length - 1], 'ZZ'], a.countries.slice(0, 3)];
      for (const countries of shared) {
        for (const bLength of [0, 2, 62, 63, 200, 400, 401, 1200, 3652]) {
          for (const gap of [0, 1, 15, 29, 30]) {
            const mid = a.end < day(a.start, 400) ? a.start : day(a.start, 400);
            for (const b of [
              { countries, start: day(a.end, gap), end: day(a.end, gap + bLength) },
              { countries, start: day(a.start, -gap - bLength), end: day(a.start, -gap) },
              { countries, start: mid, end: day(mid, bLength) },
            ]) {
              if (b.start < '0001-01-01' || b.end > '9999-12-31') continue;
              if (!meets(a, b) || !meets(b, a))
                throw new Error(`${JSON.stringify({ ...a, countries: a.countries.length })} and ${JSON.stringify(b)}`);
              pairs++;
            }
          }
        }
      }
      // And another broad record sharing one country.
      const other = {
        countries: [a.countries[0], ...all.filter((c) => !a.countries.includes(c))],
        start: a.end,
        end: day(a.end, 3000),
      };
      expect(meets(a, other) && meets(other, a)).toBe(true);
    }
    expect(pairs).toBeGreaterThan(2000);
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
