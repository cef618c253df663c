const LEVEL_LABEL: Record<string, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
  fatal: 'FATAL',
};
const OMIT = new Set(['level', 'time', 'service', 'msg', 'context']);

/**
 * Turns one JSON log line into `hh:mm:ss.mmm LEVEL message key=value …` for people watching a terminal. Lines that
 * are not JSON pass through unchanged.
 */
export function humanLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof o.time === 'string' ? o.time.slice(11, 23) : '';
  const level = LEVEL_LABEL[String(o.level)] ?? String(o.level).toUpperCase();
  const fields = Object.entries(o)
    .filter(([k, v]) => !OMIT.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`);
  const context = o.context ? `[${String(o.context)}] ` : '';
  return `${time} ${level} ${context}${String(o.msg ?? '')}${fields.length ? ' ' + fields.join(' ') : ''}`;
}
