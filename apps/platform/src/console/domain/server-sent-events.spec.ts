import { KEEP_ALIVE, sseComment, sseEvent, sseRetry } from './server-sent-events';

/** Splits a stream's text into its messages as a client does: blank lines end them; `field: value` lines in each. */
function parse(text: string): { event?: string; data?: string; comments: string[]; retry?: string }[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const m: { event?: string; data?: string; comments: string[]; retry?: string } = { comments: [] };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) m.comments.push(line.slice(1).trim());
        else {
          const [field, ...value] = line.split(': ');
          (m as Record<string, unknown>)[field] = value.join(': ');
        }
      }
      return m;
    });
}

describe('Server-Sent Events framing', () => {
  it('frames an event as `event:` and one `data:` line of JSON, ended by a blank line', () => {
    expect(sseEvent('rollups', { at: '2026-03-02T10:00:00.000Z' })).toBe(
      'event: rollups\ndata: {"at":"2026-03-02T10:00:00.000Z"}\n\n',
    );
  });

  it('keeps line breaks in the data inside its one line (JSON escapes them)', () => {
    const text = sseEvent('pairs', { note: 'two\nlines\r\nhere' });
    expect(text.split('\n')).toHaveLength(4);
    expect(JSON.parse(parse(text)[0].data!)).toEqual({ note: 'two\nlines\r\nhere' });
  });

  it('refuses an event name that could break the framing', () => {
    expect(() => sseEvent('rollups\ndata: x', {})).toThrow(/not an event name/);
    expect(() => sseEvent('', {})).toThrow();
    expect(() => sseEvent('a b', {})).toThrow();
  });

  it('writes comments (the keep-alive) on one line, which clients ignore', () => {
    expect(KEEP_ALIVE).toBe(': keep-alive\n\n');
    expect(sseComment('a\nb')).toBe(': a b\n\n');
    expect(parse(KEEP_ALIVE + sseEvent('registry', { at: 'x' }))).toEqual([
      { comments: ['keep-alive'] },
      { event: 'registry', data: '{"at":"x"}', comments: [] },
    ]);
  });

  it('writes the reconnection delay as a whole number of milliseconds', () => {
    expect(sseRetry(5000)).toBe('retry: 5000\n\n');
    expect(sseRetry(12.7)).toBe('retry: 12\n\n');
    expect(sseRetry(-1)).toBe('retry: 0\n\n');
  });
});
