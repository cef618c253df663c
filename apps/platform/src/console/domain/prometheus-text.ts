/*
 * Reading one metric out of a Prometheus text exposition (what GET /metrics answers): every sample of a metric name,
 * with its labels, as numbers. Enough for the console to read `ctp_outbox_backlog` of a service or the platform's own
 * `ctp_dead_letters_total`; not a full parser (timestamps are dropped).
 */

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Every sample of `name` (not of a longer name that starts with it); empty when it is not exported. */
export function samplesOf(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest[0] === '{') {
      const end = rest.lastIndexOf('}');
      if (end < 0) continue;
      for (const m of rest.slice(1, end).matchAll(LABEL)) labels[m[1]] = unescape(m[2]);
      rest = rest.slice(end + 1);
    } else if (rest[0] !== ' ' && rest[0] !== '\t') continue;
    const value = Number(rest.trim().split(/\s+/)[0]);
    if (rest.trim() !== '' && !Number.isNaN(value)) out.push({ labels, value });
  }
  return out;
}

/** The sum of a metric's samples (e.g. a backlog per thread), or undefined when it is not exported. */
export function sumOf(text: string, name: string): number | undefined {
  const values = samplesOf(text, name).map((s) => s.value);
  return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
}

/** The largest of a metric's samples (e.g. an age), or undefined when it is not exported. */
export function maxOf(text: string, name: string): number | undefined {
  const values = samplesOf(text, name).map((s) => s.value);
  return values.length ? Math.max(...values) : undefined;
}
