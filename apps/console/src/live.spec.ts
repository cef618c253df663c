import { LiveStream, STABLE_STREAM_MS } from './live';

/**
 * GET /console/stream as a fake server: each answer is a 200 stream that says `: connected` and is ended by the
 * server after `lastsMs`. Records when each connection was asked for (fake time).
 */
function serveStreams(lastsMs: number) {
  const asked: number[] = [];
  const encoder = new TextEncoder();
  const fetchMock = jest.fn(async () => {
    asked.push(Date.now());
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(': connected\n\n'));
        setTimeout(() => controller.close(), lastsMs);
      },
    });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  });
  return { asked, fetchMock };
}

/** The waits between one stream's end and the next connection, in seconds. */
const gaps = (asked: number[], lastsMs: number) =>
  asked.slice(1).map((t, i) => Math.round((t - asked[i] - lastsMs) / 100) / 10);

describe('LiveStream: reconnecting to GET /console/stream', () => {
  const realFetch = globalThis.fetch;
  let live: LiveStream | undefined;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockReturnValue(0); // no jitter: 1 s, 2 s, 4 s…
  });

  afterEach(() => {
    live?.stop();
    globalThis.fetch = realFetch;
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  async function run(lastsMs: number, forMs: number): Promise<{ asked: number[]; resyncs: number }> {
    const { asked, fetchMock } = serveStreams(lastsMs);
    globalThis.fetch = fetchMock as unknown as typeof fetch;
    live = new LiveStream(
      () => 'token',
      () => undefined,
    );
    let resyncs = 0;
    live.on('resync', () => resyncs++);
    live.start();
    for (let t = 0; t < forMs; t += 50) await jest.advanceTimersByTimeAsync(50);
    return { asked, resyncs };
  }

  it('backs off when each stream ends at once: the connection alone does not reset the delay', async () => {
    const { asked, resyncs } = await run(0, 40_000);
    // 1 s, 2 s, 4 s, 8 s, 16 s — not a reconnection (and a resync of every page) every second.
    expect(gaps(asked, 0).slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(asked.length).toBeLessThanOrEqual(6);
    expect(resyncs).toBe(asked.length - 1);
  });

  it('also backs off for streams shorter than STABLE_STREAM_MS', async () => {
    const { asked } = await run(STABLE_STREAM_MS - 1000, 40_000);
    expect(gaps(asked, STABLE_STREAM_MS - 1000).slice(0, 3)).toEqual([1, 2, 4]);
  });

  it('reconnects after the shortest delay again once a stream lasted STABLE_STREAM_MS', async () => {
    const lasts = STABLE_STREAM_MS + 1000;
    const { asked } = await run(lasts, 40_000);
    expect(asked.length).toBeGreaterThanOrEqual(5);
    expect(new Set(gaps(asked, lasts))).toEqual(new Set([1]));
  });
});
