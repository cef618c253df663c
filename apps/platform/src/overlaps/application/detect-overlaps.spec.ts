import { sameJson } from './detect-overlaps';

describe('sameJson (stored signals against the matcher’s new ones)', () => {
  it('ignores key order, as jsonb hands keys back in its own order', () => {
    expect(
      sameJson(
        { title: 0.8, dates: { overlapDays: 3, gapDays: 0 } },
        { dates: { gapDays: 0, overlapDays: 3 }, title: 0.8 },
      ),
    ).toBe(true);
  });

  it('treats an undefined key as absent (JSON.stringify drops it)', () => {
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
  });

  it.each<[unknown, unknown]>([
    [{ title: 0.8 }, { title: 0.81 }],
    [{ title: 0.8 }, { title: 0.8, kind: 1 }],
    [
      [1, 2],
      [2, 1],
    ],
    [[1], { 0: 1 }],
    [null, {}],
    ['0.8', 0.8],
  ])('tells %j from %j', (a, b) => {
    expect(sameJson(a, b)).toBe(false);
  });
});
