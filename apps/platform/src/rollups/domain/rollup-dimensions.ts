/** What a rollup can be grouped by, and the column (or array column, unnested) behind each. */
export const ROLLUP_DIMENSIONS = {
  region: { sql: 'region', hxl: '#region' },
  primaryActionStream: { sql: 'primary_stream', hxl: '#sector' },
  status: { sql: 'status', hxl: '#status' },
  kind: { sql: 'kind', hxl: '#activity+type' },
  capability: { sql: 'unnest(capabilities)', hxl: '#meta+capability' },
  country: { sql: 'unnest(countries)', hxl: '#country+code' },
} as const;

export type RollupDimension = keyof typeof ROLLUP_DIMENSIONS;
export const DEFAULT_GROUP_BY: RollupDimension[] = ['region', 'primaryActionStream', 'status'];

export type RollupRow = Record<string, string | number> & { reported: number; deduplicated: number };

/** Parses `region,primaryActionStream,status`; undefined-safe; throws a message naming the bad dimension. */
export function parseGroupBy(value: string | undefined): RollupDimension[] {
  if (value === undefined || value.trim() === '') return DEFAULT_GROUP_BY;
  const dims = value.split(',').map((d) => d.trim());
  for (const d of dims) {
    // Own keys only: `in` would accept constructor, __proto__, toString… and build SQL from undefined.
    if (!Object.hasOwn(ROLLUP_DIMENSIONS, d)) {
      throw new Error(`groupBy: unknown dimension "${d}"; use any of ${Object.keys(ROLLUP_DIMENSIONS).join(', ')}`);
    }
  }
  if (new Set(dims).size !== dims.length) throw new Error('groupBy: a dimension is repeated');
  return dims as RollupDimension[];
}

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV with a header row, then the HXL hashtag row (humdata.org), then the data rows. */
export function rollupCsv(groupBy: RollupDimension[], rows: RollupRow[]): string {
  const header = [...groupBy, 'reported', 'deduplicated'];
  const hxl = [
    ...groupBy.map((d) => ROLLUP_DIMENSIONS[d].hxl),
    '#indicator+reported+num',
    '#indicator+deduplicated+num',
  ];
  const lines = [header, hxl, ...rows.map((r) => header.map((h) => r[h] ?? ''))];
  return lines.map((l) => l.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
