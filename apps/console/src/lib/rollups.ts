/** GET /rollups as the rollups page shows it: filtered by status, summed per region × primary action stream. */
export interface RollupRow {
  region?: string;
  primaryActionStream?: string;
  status?: string;
  reported: number;
  deduplicated: number;
  [dimension: string]: string | number | undefined;
}

export interface Rollup {
  groupBy: string[];
  rows: RollupRow[];
  totals: { reported: number; deduplicated: number };
}

/** What the page asks for: every status, so the status filter needs no second call. */
export const ROLLUP_GROUP_BY = 'region,primaryActionStream,status';

export interface RollupCell {
  region: string;
  stream: string;
  reported: number;
  deduplicated: number;
}

/** The statuses present in the rows, sorted. */
export function statusesOf(rows: RollupRow[]): string[] {
  return [...new Set(rows.map((r) => r.status).filter((s): s is string => typeof s === 'string'))].sort();
}

/**
 * One cell per region × stream among the rows of `status` (all statuses when undefined), summed over the other
 * dimensions; ordered by region, then stream. Deduplicated counts add up: each cluster counts under one record.
 */
export function cellsOf(rows: RollupRow[], status?: string): RollupCell[] {
  const cells = new Map<string, RollupCell>();
  for (const r of rows) {
    if (status !== undefined && r.status !== status) continue;
    const region = String(r.region ?? '—');
    const stream = String(r.primaryActionStream ?? '—');
    const key = `${region}\u0000${stream}`;
    const cell = cells.get(key) ?? { region, stream, reported: 0, deduplicated: 0 };
    cell.reported += r.reported;
    cell.deduplicated += r.deduplicated;
    cells.set(key, cell);
  }
  return [...cells.values()].sort((a, b) =>
    a.region === b.region ? a.stream.localeCompare(b.stream) : a.region.localeCompare(b.region),
  );
}

export function totalsOf(cells: RollupCell[]): { reported: number; deduplicated: number } {
  return cells.reduce(
    (t, c) => ({ reported: t.reported + c.reported, deduplicated: t.deduplicated + c.deduplicated }),
    { reported: 0, deduplicated: 0 },
  );
}

/**
 * The platform's CSV (Accept: text/csv) has the header, then the HXL hashtag row, then the data: the HXL download
 * keeps it as it is; the plain CSV drops the hashtag row (line 2, never quoted), for spreadsheets.
 */
export function withoutHxlRow(csv: string): string {
  const first = csv.search(/\r\n|\n/);
  if (first === -1) return csv;
  const eol = csv.startsWith('\r\n', first) ? '\r\n' : '\n';
  const secondStart = first + eol.length;
  const second = csv.indexOf(eol, secondStart);
  const row = second === -1 ? csv.slice(secondStart) : csv.slice(secondStart, second);
  if (!row.startsWith('#')) return csv;
  return csv.slice(0, secondStart) + (second === -1 ? '' : csv.slice(second + eol.length));
}
