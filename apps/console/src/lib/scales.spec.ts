import { groupedBands, linearScale, niceStep, niceTicks } from './scales';

describe('chart scales', () => {
  it('picks steps of 1, 2 or 5 × 10^n, never below 1 (counts are whole)', () => {
    expect(niceStep(10)).toBe(2);
    expect(niceStep(12)).toBe(5);
    expect(niceStep(47)).toBe(10);
    expect(niceStep(230)).toBe(50);
    expect(niceStep(3)).toBe(1);
    expect(niceStep(0)).toBe(1);
    expect(niceStep(Number.NaN)).toBe(1);
  });

  it('draws ticks from 0 to the first step at or above the maximum', () => {
    expect(niceTicks(47)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(50)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(12)).toEqual([0, 5, 10, 15]);
    expect(niceTicks(9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(1)).toEqual([0, 1]);
  });

  it('maps values linearly and clamps them to the domain', () => {
    const x = linearScale(50, 500);
    expect(x(0)).toBe(0);
    expect(x(25)).toBe(250);
    expect(x(50)).toBe(500);
    expect(x(80)).toBe(500);
    expect(x(-3)).toBe(0);
    expect(linearScale(0, 500)(10)).toBe(0);
  });

  it('lays out groups of bars that fill the length with their gaps', () => {
    const layout = groupedBands(130, 4, 2, 0.3, 0.1);
    expect(layout.groupOffsets).toHaveLength(4);
    // 4 bands + 4 × 0.3 gaps (half a gap at each end) = 130.
    expect(layout.groupSize).toBeCloseTo(25);
    expect(layout.groupOffsets[0]).toBeCloseTo(3.75);
    expect(layout.groupOffsets[3] + layout.groupSize + 3.75).toBeCloseTo(130);
    // Two bars and one gap of 0.1 × band fill the band.
    expect(2 * layout.barSize + 0.1 * layout.groupSize).toBeCloseTo(layout.groupSize);
    expect(layout.barOffset(1) + layout.barSize).toBeCloseTo(layout.groupSize);
    expect(groupedBands(100, 0, 2).groupOffsets).toEqual([]);
  });
});
