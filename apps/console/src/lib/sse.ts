/**
 * Server-Sent Events, parsed by hand: the browser's EventSource cannot send an Authorization header, so the console
 * reads GET /console/stream with fetch() and feeds the text to this parser (the WHATWG "event stream interpretation":
 * lines end in CRLF, LF or CR; `field: value`; one leading space of the value dropped; a blank line dispatches; lines
 * starting with ':' are comments, e.g. the server's `: keep-alive`).
 */
export interface SseEvent {
  /** `event:` field, `message` when none was given. */
  event: string;
  /** The `data:` lines joined with '\n'. */
  data: string;
  /** The last `id:` seen on the stream (carried over, as the spec says), or '' if none. */
  id: string;
}

export class SseParser {
  private buffer = '';
  /** A CR ended the previous chunk: an LF at the start of the next one belongs to it. */
  private pendingCr = false;
  private eventType = '';
  private data: string[] = [];
  private lastId = '';
  /** The `retry:` the server asked for, in milliseconds, if any. */
  retryMs: number | undefined;
  /** Comment lines seen so far (the server's `: keep-alive`): they prove the connection is alive. */
  comments = 0;

  /** Feeds a chunk of decoded text; answers the events completed by it, in order. */
  push(chunk: string): SseEvent[] {
    let text = chunk;
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) this.pendingCr = true;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /** The stream ended: an event without its blank line is dropped, as the spec says. */
  end(): void {
    this.buffer = '';
    this.pendingCr = false;
    this.eventType = '';
    this.data = [];
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) {
      this.comments++;
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const type = this.eventType;
    const data = this.data;
    this.eventType = '';
    this.data = [];
    if (data.length === 0) return undefined;
    return { event: type || 'message', data: data.join('\n'), id: this.lastId };
  }
}

/** The delay before reconnection attempt `attempt` (0-based): 1 s, 2 s, 4 s… capped, with up to 20 % jitter. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random, capMs = 30_000): number {
  const base = Math.min(capMs, 1000 * 2 ** Math.max(0, Math.min(attempt, 16)));
  return Math.round(base * (1 + 0.2 * random()));
}
