/**
 * A grouped horizontal bar chart in plain SVG: one row per group (e.g. region × action stream), one bar per series
 * (reported, deduplicated), each bar labelled with its value; groups under section headings (the regions). The SVG
 * is an image with a title and a description; the numbers are also in the table the page shows beneath it.
 */
import { groupedBands, linearScale, niceTicks } from '../lib/scales';

export interface ChartGroup {
  section: string;
  label: string;
  values: number[];
}

export interface ChartSeries {
  name: string;
  /** CSS class giving the bar its fill (see styles.css: series-0, series-1). */
  className: string;
}

const WIDTH = 760;
const LABEL_WIDTH = 210;
const VALUE_ROOM = 56;
const ROW = 30;
const SECTION = 26;
const AXIS = 26;

export function BarChart({
  id,
  title,
  description,
  groups,
  series,
}: {
  id: string;
  title: string;
  description: string;
  groups: ChartGroup[];
  series: ChartSeries[];
}) {
  const max = Math.max(0, ...groups.flatMap((g) => g.values));
  const ticks = niceTicks(max, 5);
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_ROOM;
  const x = linearScale(ticks[ticks.length - 1], plotWidth);
  const bands = groupedBands(ROW, 1, series.length, 0.25, 0.08);

  // Rows, with a section heading wherever the section changes.
  let y = AXIS;
  const rows: { kind: 'section' | 'group'; y: number; group?: ChartGroup; text: string }[] = [];
  let section: string | undefined;
  for (const g of groups) {
    if (g.section !== section) {
      section = g.section;
      rows.push({ kind: 'section', y, text: g.section });
      y += SECTION;
    }
    rows.push({ kind: 'group', y, group: g, text: g.label });
    y += ROW;
  }
  const height = y + 8;

  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        class="chart-svg"
        data-testid="rollup-chart"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <g transform={`translate(${LABEL_WIDTH},0)`}>
          {ticks.map((t) => (
            <g key={t} transform={`translate(${x(t)},0)`}>
              <line class="grid" y1={AXIS - 4} y2={height - 8} />
              <text class="tick" y={AXIS - 10} text-anchor="middle">
                {t.toLocaleString('en')}
              </text>
            </g>
          ))}
        </g>
        {rows.map((row) =>
          row.kind === 'section' ? (
            <text key={`s-${row.text}`} class="section-label" x={4} y={row.y + SECTION - 8}>
              {row.text}
            </text>
          ) : (
            <g key={`g-${row.group!.section}-${row.text}`} transform={`translate(0,${row.y})`}>
              <text class="group-label" x={LABEL_WIDTH - 8} y={ROW / 2 + 4} text-anchor="end">
                {row.text}
              </text>
              {series.map((s, i) => {
                const value = row.group!.values[i] ?? 0;
                const top = bands.groupOffsets[0] + bands.barOffset(i);
                const w = x(value);
                return (
                  <g key={s.name} data-series={s.name} data-value={value}>
                    <rect
                      class={`bar ${s.className}`}
                      x={LABEL_WIDTH}
                      y={top}
                      width={Math.max(w, 0.5)}
                      height={bands.barSize}
                    >
                      <title>{`${row.group!.section}, ${row.text}, ${s.name}: ${value}`}</title>
                    </rect>
                    <text class="bar-value" x={LABEL_WIDTH + w + 4} y={top + bands.barSize - 1}>
                      {value.toLocaleString('en')}
                    </text>
                  </g>
                );
              })}
            </g>
          ),
        )}
      </svg>
      <figcaption>
        <ul class="legend" aria-label="Legend">
          {series.map((s) => (
            <li key={s.name}>
              <svg width="14" height="14" aria-hidden="true" focusable="false">
                <rect class={`bar ${s.className}`} width="14" height="14" />
              </svg>{' '}
              {s.name}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
