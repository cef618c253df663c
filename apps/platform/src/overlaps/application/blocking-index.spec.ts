import { ISO_COUNTRY_CODES } from '@ctp/contracts';
import { BlockRecord, storedRecordOf } from '../domain/blocking';
import { BlockingIndex } from './blocking-index';

const row = (id: string, over: Partial<BlockRecord> = {}): BlockRecord => ({
  initiativeId: id,
  reporterRef: id.split('-').slice(0, -1).join('-'),
  primaryStream: 'IDENTIFICATION',
  secondaryStreams: [],
  countries: ['KE'],
  start: '2027-03-10',
  end: '2027-03-12',
  ...over,
});

const DAY_MS = 86_400_000;
const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * DAY_MS).toISOString().slice(0, 10);
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;

describe('BlockingIndex', () => {
  it('finds records of other reporters sharing a country, with compatible streams and dates within 30 days', () => {
    const index = new BlockingIndex();
    index.load(
      [
        row('IP-HUB-AFR-1'),
        row('PT-UNODC-1'),
        row('PT-UNODC-2', { primaryStream: 'FINANCING' }),
        row('PT-UNODC-3', { primaryStream: 'FINANCING', secondaryStreams: ['IDENTIFICATION'] }),
        row('PT-UNODC-4', { start: '2027-04-12', end: '2027-04-20' }),
        row('PT-UNODC-5', { start: '2027-04-11', end: '2027-04-20' }),
        row('PT-UNODC-6', { countries: ['UG'] }),
        // A three-year project, stored under year keys, is met by a three-day course.
        row('PT-UNODC-7', { countries: ['UG', 'KE'], start: '2025-01-01', end: '2027-12-31' }),
        row('PT-UNODC-8', { countries: ['UG', 'KE'], start: '2025-01-01', end: '2027-02-07' }),
      ],
      7,
    );
    expect(index.generation).toBe(7);
    expect(index.records).toBe(9);
    const found = index.candidatesOf(row('IP-HUB-EUR-9'));
    expect([...found].sort()).toEqual(['IP-HUB-AFR-1', 'PT-UNODC-1', 'PT-UNODC-3', 'PT-UNODC-5', 'PT-UNODC-7']);
    // Its own reporter's records and itself are never candidates.
    expect([...index.candidatesOf(row('IP-HUB-AFR-1'))]).not.toContain('IP-HUB-AFR-1');
    expect([...index.candidatesOf(row('PT-UNODC-9'))]).toEqual(['IP-HUB-AFR-1']);
    // A secondary stream of the changed record matching a stored primary one.
    expect([...index.candidatesOf(row('IP-HUB-EUR-9', { countries: ['UG'], primaryStream: 'X' }))]).toEqual([]);
    expect(
      [
        ...index.candidatesOf(
          row('IP-HUB-EUR-9', { countries: ['UG'], primaryStream: 'X', secondaryStreams: ['IDENTIFICATION'] }),
        ),
      ].sort(),
    ).toEqual(['PT-UNODC-6', 'PT-UNODC-7']);
  });

  it('replaces a record’s row and says whether it changed (the row to write)', () => {
    const index = new BlockingIndex();
    index.load([storedRecordOf(row('PT-UNODC-1', { countries: ['KE', 'UG'] }))!], 1);
    // The same record, its countries listed in another order: no change.
    expect(index.replace('PT-UNODC-1', storedRecordOf(row('PT-UNODC-1', { countries: ['UG', 'KE'] })))).toBe(false);
    expect(index.replace('PT-UNODC-1', storedRecordOf(row('PT-UNODC-1', { countries: ['UG'] })))).toBe(true);
    expect([...index.candidatesOf(row('IP-HUB-AFR-1'))]).toEqual([]);
    expect([...index.candidatesOf(row('IP-HUB-AFR-1', { countries: ['UG'] }))]).toEqual(['PT-UNODC-1']);
    // Re-dated by a day: a change, though its keys are the same.
    expect(
      index.replace('PT-UNODC-1', storedRecordOf(row('PT-UNODC-1', { countries: ['UG'], end: '2027-03-13' }))),
    ).toBe(true);
    expect(index.replace('PT-UNODC-1', storedRecordOf(row('PT-UNODC-1', { primaryStream: 'FINANCING' })))).toBe(true);
    expect([...index.candidatesOf(row('IP-HUB-AFR-1'))]).toEqual([]);
    expect(index.records).toBe(1);
    // Leaves: withdrawn, or without countries or dates (no row).
    expect(storedRecordOf(row('PT-UNODC-1', { countries: [] }))).toBeUndefined();
    expect(storedRecordOf(row('PT-UNODC-1', { start: '', end: '' }))).toBeUndefined();
    expect(index.replace('PT-UNODC-1', undefined)).toBe(true);
    expect(index.records).toBe(0);
    expect(index.replace('PT-UNODC-1', undefined)).toBe(false);
    expect([...index.candidatesOf(row('IP-HUB-AFR-1', { primaryStream: 'FINANCING' }))]).toEqual([]);
  });

  it('files a record of more countries than any key cap under one key for all, and still checks the shared country', () => {
    // Not a valid record (249 countries exist), but old rows or another source must not break the bound either.
    const many = Array.from({ length: 600 }, (_, i) => `C${i}`);
    const index = new BlockingIndex();
    index.load(
      [
        row('PT-UNODC-1', { countries: [...many, 'KE'], start: '2020-01-01', end: '2029-12-31' }),
        row('PT-UNODC-2', { countries: many, start: '2020-01-01', end: '2029-12-31' }),
        row('PT-UNODC-3', { countries: ['KE'] }),
      ],
      1,
    );
    expect(index.levels).toEqual({ G: 2, M: 1 });
    expect([...index.candidatesOf(row('IP-HUB-AFR-1'))].sort()).toEqual(['PT-UNODC-1', 'PT-UNODC-3']);
    expect([...index.candidatesOf(row('IP-HUB-AFR-1', { countries: ['C7'] }))].sort()).toEqual([
      'PT-UNODC-1',
      'PT-UNODC-2',
    ]);
    expect([...index.candidatesOf(row('IP-HUB-AFR-1', { countries: [...many.slice(0, 300), 'KE'] }))].sort()).toEqual([
      'PT-UNODC-1',
      'PT-UNODC-2',
      'PT-UNODC-3',
    ]);
    expect([...index.candidatesOf(row('IP-HUB-AFR-1', { countries: ['UG'] }))]).toEqual([]);
  });

  it('finds exactly the records the matcher’s blocking rule admits, among many of every length', () => {
    const index = checkedAgainstTheRule(['IDENTIFICATION', 'FINANCING', 'BORDERS']);
    // And the rows are filed at every level but G: months, quarters, years by their length, decades and countries
    // for the broad ones.
    expect(Object.keys(index.levels).sort()).toEqual(['D', 'L', 'M', 'Q', 'Y']);
  });

  it('admits the same records by stream beyond the 30 streams it tells apart by their bits', () => {
    // 40 streams: the last ten share one bit, and rows of those are checked by their streams' names.
    checkedAgainstTheRule(Array.from({ length: 40 }, (_, i) => `S${i}`));
  });
});

/** 640 random rows (a few broad ones) of `streams`: each row's candidates are those the matcher's rule admits. */
function checkedAgainstTheRule(streams: string[]): BlockingIndex {
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % n;
  };
  const countries = ['KE', 'UG', 'TZ'];
  const all = [...ISO_COUNTRY_CODES];
  const reporters = ['IP-HUB-AFR', 'PT-UNODC', 'PT-OSCE'];
  const records: BlockRecord[] = [];
  for (let i = 0; i < 640; i++) {
    // One in 16 is broad: every country, or 40 or 60 of them with one of ours, over up to ten years (filed by
    // decade or by country, and looking the others up that way).
    const broad = i % 16 === 15;
    const start = broad ? random(900) - 2000 : random(900);
    const length = broad
      ? [30, 400, 1500, 3652][random(4)]
      : [0, 3, 20, 61, 62, 63, 120, 399, 400, 401, 1000][random(11)];
    records.push({
      initiativeId: `${reporters[random(3)]}-${i}`,
      reporterRef: reporters[random(3)],
      primaryStream: streams[random(streams.length)],
      secondaryStreams: random(2) ? [streams[random(streams.length)]] : [],
      countries: broad
        ? [all, [countries[random(3)], ...all.slice(100, 139)], [countries[random(3)], ...all.slice(150, 209)]][
            random(3)
          ]
        : countries.filter(() => random(2)),
      start: day(start),
      end: day(start + length),
    });
  }
  const rows = records.map(storedRecordOf).filter((r): r is BlockRecord => r !== undefined);
  const index = new BlockingIndex();
  index.load(rows, 1);
  expect(index.records).toBe(rows.length);
  const admits = (a: BlockRecord, b: BlockRecord) =>
    a.initiativeId !== b.initiativeId &&
    a.reporterRef !== b.reporterRef &&
    a.countries.some((c) => b.countries.includes(c)) &&
    (a.primaryStream === b.primaryStream ||
      a.secondaryStreams.includes(b.primaryStream) ||
      b.secondaryStreams.includes(a.primaryStream)) &&
    dayOf(b.start) - dayOf(a.end) <= 30 &&
    dayOf(a.start) - dayOf(b.end) <= 30;
  let pairs = 0;
  for (const changed of records) {
    const expected = rows.filter((r) => admits(changed, r)).map((r) => r.initiativeId);
    expect([...index.candidatesOf(changed)].sort()).toEqual(expected.sort());
    pairs += expected.length;
  }
  expect(pairs).toBeGreaterThan(streams.length > 3 ? 50 : 1000);
  return index;
}
