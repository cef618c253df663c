import { reconnectDelayMs, SseParser } from './sse';

describe('SseParser (the console reads GET /console/stream with fetch)', () => {
  it('parses named events, the default event type, and ignores comments such as the keep-alive', () => {
    const p = new SseParser();
    const events = p.push(': keep-alive\n\nevent: rollups\ndata: {"at":"2026-01-01T00:00:00Z"}\n\ndata: plain\n\n');
    expect(events).toEqual([
      { event: 'rollups', data: '{"at":"2026-01-01T00:00:00Z"}', id: '' },
      { event: 'message', data: 'plain', id: '' },
    ]);
    expect(p.comments).toBe(1);
  });

  it('assembles events split anywhere across chunks, including inside a CRLF', () => {
    const text = 'event: pairs\r\ndata: {"at":"x"}\r\n\r\nevent: registry\r\ndata: 1\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(events.map((e) => e.event)).toEqual(['pairs', 'registry']);
      expect(events[0].data).toBe('{"at":"x"}');
    }
  });

  it('accepts CR, LF and CRLF line ends, joins data lines, keeps the last id and drops one leading space only', () => {
    const p = new SseParser();
    const events = p.push('id: 7\rdata:  two spaces\rdata:x\r\revent:rollups\ndata\n\n');
    expect(events).toEqual([
      { event: 'message', data: ' two spaces\nx', id: '7' },
      { event: 'rollups', data: '', id: '7' },
    ]);
  });

  it('does not dispatch an event without data, nor an unfinished one at the end of the stream', () => {
    const p = new SseParser();
    expect(p.push('event: rollups\n\n')).toEqual([]);
    expect(p.push('event: pairs\ndata: {}\n')).toEqual([]);
    p.end();
    expect(p.push('\n')).toEqual([]);
  });

  it('reads retry and ignores unknown fields', () => {
    const p = new SseParser();
    expect(p.push('retry: 2500\nfoo: bar\ndata: d\n\n')).toEqual([{ event: 'message', data: 'd', id: '' }]);
    expect(p.retryMs).toBe(2500);
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from 1 s up to the cap, with at most 20 % jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => reconnectDelayMs(a, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(reconnectDelayMs(0, () => 1)).toBe(1200);
    expect(reconnectDelayMs(100, () => 0.5)).toBe(33000);
  });
});
