import { blockKeysOf } from './registry-record';

const day = (iso: string, plusDays: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + plusDays * 86_400_000).toISOString().slice(0, 10);

describe('blockKeysOf', () => {
  it('gives one key per country and month touched by the interval widened by 15 days', () => {
    expect(blockKeysOf(['KE', 'UG'], '2027-03-20', '2027-03-22')).toEqual([
      'KE:2027-03',
      'KE:2027-04',
      'UG:2027-03',
      'UG:2027-04',
    ]);
    expect(blockKeysOf(['FR'], '2027-01-10', '2027-01-12')).toEqual(['FR:2026-12', 'FR:2027-01']);
  });

  it('gives nothing without countries or dates', () => {
    expect(blockKeysOf([], '2027-01-01', '2027-01-02')).toEqual([]);
    expect(blockKeysOf(['FR'], null, '2027-01-02')).toEqual([]);
  });

  it('lets two records of one country share a key whenever their intervals are at most 30 days apart (no candidate is lost)', () => {
    const share = (a: string[], b: string[]) => a.some((k) => b.includes(k));
    for (let startOffset = 0; startOffset < 400; startOffset += 7) {
      for (const length of [0, 3, 40]) {
        const aStart = day('2026-01-01', startOffset);
        const aEnd = day(aStart, length);
        for (const gap of [0, 1, 15, 29, 30]) {
          const bStart = day(aEnd, gap);
          const bEnd = day(bStart, 2);
          expect(share(blockKeysOf(['KE'], aStart, aEnd), blockKeysOf(['KE'], bStart, bEnd))).toBe(true);
        }
      }
    }
  });
});
