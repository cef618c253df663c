/** The arithmetic of the console's bar chart: a linear scale from 0, "nice" ticks, and the bands of grouped bars. */

/** A step of 1, 2 or 5 × 10^n (whole numbers: the chart counts records) that splits [0, max] into about `count` intervals. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const raw = max / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  // A step below 1 would draw ticks at 0.2, 0.4… records.
  return Math.max(1, nice * magnitude);
}

/** Ticks from 0 up to the first multiple of the step at or above `max` (just [0, 1] for an empty chart). */
export function niceTicks(max: number, count = 5): number[] {
  const step = niceStep(max, count);
  const top = max > 0 ? Math.ceil(max / step) * step : step;
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step / 1e9; i++) ticks.push(Math.round(i * step * 1e9) / 1e9);
  return ticks;
}

/** Maps [0, domainMax] onto [0, rangeMax] (a domain of 0 maps everything to 0); values are clamped to the domain. */
export function linearScale(domainMax: number, rangeMax: number): (value: number) => number {
  if (!(domainMax > 0)) return () => 0;
  return (value) => (Math.min(Math.max(value, 0), domainMax) / domainMax) * rangeMax;
}

export interface GroupLayout {
  /** Offset of each group's band from the start of the axis. */
  groupOffsets: number[];
  /** Thickness of each group's band (its bars and the gaps between them). */
  groupSize: number;
  /** Thickness of one bar. */
  barSize: number;
  /** Offset of bar i within its group. */
  barOffset: (i: number) => number;
}

/**
 * Splits `length` into `groups` bands with `groupGap` between them (and half a gap at each end), each band into
 * `barsPerGroup` bars with `barGap` between them.
 */
export function groupedBands(
  length: number,
  groups: number,
  barsPerGroup: number,
  groupGap = 0.3,
  barGap = 0.05,
): GroupLayout {
  if (groups <= 0 || barsPerGroup <= 0) {
    return { groupOffsets: [], groupSize: 0, barSize: 0, barOffset: () => 0 };
  }
  // Each band is 1 unit; the gaps are fractions of a unit.
  const step = length / (groups + groupGap * groups);
  const groupSize = step;
  const gapBetweenGroups = step * groupGap;
  const groupOffsets = Array.from({ length: groups }, (_, i) => gapBetweenGroups / 2 + i * (step + gapBetweenGroups));
  const barSize = (groupSize - barGap * groupSize * (barsPerGroup - 1)) / barsPerGroup;
  return {
    groupOffsets,
    groupSize,
    barSize,
    barOffset: (i) => i * (barSize + barGap * groupSize),
  };
}
