import { CtpLogger, Metrics } from '@ctp/observability';
import { PlatformConfig } from '../../config/platform.config';
import { StreamCapacityReached, TooManyStreams } from '../../platform-errors';
import { ChangeFloors, ChangeReadings, ChangeWatermarksReadModel } from '../persistence/change-watermarks.read-model';
import { LiveChanges, StreamSink, TOKEN_EXPIRED } from './live-changes';

/** A client: what was written to it, whether it was ended; `full` makes its writes report a full buffer. */
class Client implements StreamSink {
  text = '';
  ended = false;
  ends = 0;
  full = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return !this.full;
  }
  end(): void {
    this.ended = true;
    this.ends++;
  }
  events(): string[] {
    return [...this.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
  }
}

/** The database's change marks, as the read model answers them; `reads` counts the statements. */
class Marks {
  reads = 0;
  fail = false;
  rollup: string | null = 'r0';
  pairs = 1;
  registry = 1;
  async read(_floors: ChangeFloors): Promise<ChangeReadings> {
    this.reads++;
    if (this.fail) throw new Error('connection refused');
    return {
      rollups: { newest: this.rollup, aboveFloor: '', aboveNextFloor: '' },
      pairs: { newest: String(this.pairs), aboveFloor: '0', aboveNextFloor: '0' },
      registry: { newest: String(this.registry), aboveFloor: '0', aboveNextFloor: '0' },
    };
  }
}

describe('LiveChanges: one poller for every console stream', () => {
  const log = { warn: jest.fn(), info: jest.fn() } as unknown as CtpLogger;
  const config = {
    console: { streamPollMs: 1000, streamMaxPerIdentity: 2, streamMaxTotal: 3 },
  } as unknown as PlatformConfig;
  let marks: Marks;
  let live: LiveChanges;

  /** Runs the timers for `ms` and lets each poll's promise settle. */
  async function advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 100) {
      await jest.advanceTimersByTimeAsync(100);
    }
  }

  beforeEach(() => {
    jest.useFakeTimers();
    marks = new Marks();
    live = new LiveChanges(config, marks as unknown as ChangeWatermarksReadModel, log, new Metrics('platform'));
  });

  afterEach(async () => {
    await live.beforeApplicationShutdown();
    jest.useRealTimers();
  });

  it('reads nothing while no stream is open, then one statement per poll whatever the number of streams', async () => {
    await advance(5000);
    expect(marks.reads).toBe(0);
    live.open('org:a', new Client());
    live.open('org:b', new Client());
    live.open('org:c', new Client());
    await advance(3050);
    expect(marks.reads).toBe(4); // the baseline at once, then every second
  });

  it('tells every open stream what changed, once, with the time and no record data', async () => {
    const a = new Client();
    const b = new Client();
    live.open('org:a', a);
    await advance(100);
    live.open('org:b', b);
    await advance(1000);
    expect(a.events()).toEqual([]);
    marks.pairs = 2;
    marks.rollup = 'r1';
    await advance(1000);
    for (const c of [a, b]) {
      expect(c.events().sort()).toEqual(['pairs', 'rollups']);
      expect(c.text).toMatch(/^event: pairs\ndata: \{"at":"[0-9T:.Z-]+"\}\n\n/m);
    }
    await advance(3000);
    expect(a.events()).toHaveLength(2);
    marks.registry = 2;
    await advance(1000);
    expect(a.events()).toEqual(expect.arrayContaining(['registry']));
  });

  it('sends a keep-alive comment every 15 s', async () => {
    const a = new Client();
    live.open('org:a', a);
    await advance(14_900);
    expect(a.text).not.toContain(': keep-alive');
    await advance(200);
    expect(a.text.match(/^: keep-alive$/gm)).toHaveLength(1);
  });

  it('refuses a stream over the per-identity cap (429) and over the total (503)', () => {
    live.open('org:a', new Client());
    const second = live.open('org:a', new Client());
    expect(() => live.open('org:a', new Client())).toThrow(TooManyStreams);
    live.open('org:b', new Client());
    expect(() => live.open('org:c', new Client())).toThrow(StreamCapacityReached);
    second.close();
    second.close();
    expect(live.count('org:a')).toBe(1);
    live.open('org:c', new Client());
    expect(live.count()).toBe(3);
  });

  it('stops polling when the last stream closes, and starts from a new baseline', async () => {
    const s = live.open('org:a', new Client());
    await advance(2050);
    const reads = marks.reads;
    s.close();
    await advance(5000);
    expect(marks.reads).toBe(reads);
    marks.pairs = 5;
    const c = new Client();
    live.open('org:a', c);
    await advance(50);
    expect(c.events()).toEqual([]);
  });

  it('closes a stream whose client does not read (its buffer is full)', async () => {
    const slow = new Client();
    const ok = new Client();
    live.open('org:a', slow);
    live.open('org:b', ok);
    slow.full = true;
    await advance(15_100);
    expect(slow.ended).toBe(true);
    expect(ok.ended).toBe(false);
    expect(live.count()).toBe(1);
  });

  it('keeps polling after a failed read, logging the first failure and the recovery', async () => {
    const a = new Client();
    live.open('org:a', a);
    await advance(50);
    marks.fail = true;
    await advance(3000);
    marks.fail = false;
    marks.pairs = 9;
    await advance(1000);
    expect(a.events()).toEqual(['pairs']);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.info).toHaveBeenCalledWith(expect.objectContaining({ msg: 'console stream: change marks read again' }));
  });

  it('ends every stream at shutdown and refuses new ones', async () => {
    const a = new Client();
    live.open('org:a', a);
    await live.beforeApplicationShutdown();
    expect(a.ended).toBe(true);
    expect(() => live.open('org:a', new Client())).toThrow(StreamCapacityReached);
  });

  describe("a stream's token expiry", () => {
    it('ends the stream when its token expires, saying so, and frees its slot', async () => {
      const a = new Client();
      live.open('org:a', a, { expiresInMs: 10_000 });
      await advance(9_900);
      expect(a.ended).toBe(false);
      await advance(200);
      expect(a.text.endsWith(TOKEN_EXPIRED)).toBe(true);
      expect(a.ends).toBe(1);
      expect(live.count('org:a')).toBe(0);
      expect(live.count()).toBe(0);
    });

    it('is cleared when the client closes the stream: no timer left, nothing written or ended later', async () => {
      live.open('org:base', new Client()); // keeps the poller's own timers steady
      await advance(50);
      const timers = jest.getTimerCount();
      const a = new Client();
      const s = live.open('org:a', a, { expiresInMs: 60_000 });
      expect(jest.getTimerCount()).toBe(timers + 1);
      s.close();
      expect(jest.getTimerCount()).toBe(timers);
      await advance(61_000);
      expect(a.text).not.toContain('token expired');
      expect(a.ends).toBe(0);
    });

    it('is cleared when a stream is dropped for not reading: ended once, never again at its expiry', async () => {
      const slow = new Client();
      live.open('org:a', slow, { expiresInMs: 20_000 });
      slow.full = true;
      await advance(15_100); // the keep-alive finds its buffer full
      expect(slow.ends).toBe(1);
      expect(live.count()).toBe(0);
      expect(jest.getTimerCount()).toBe(0); // the poller stopped with the last stream, and the expiry went with it
      await advance(10_000);
      expect(slow.ends).toBe(1);
      expect(slow.text).not.toContain('token expired');
    });

    it('is cleared at shutdown: every stream ended once, no timer left', async () => {
      const a = new Client();
      live.open('org:a', a, { expiresInMs: 60_000 });
      await advance(50);
      await live.beforeApplicationShutdown();
      expect(a.ends).toBe(1);
      expect(jest.getTimerCount()).toBe(0);
      await advance(61_000);
      expect(a.ends).toBe(1);
      expect(a.text).not.toContain('token expired');
    });
  });
});
