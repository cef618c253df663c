import { BoundedSemaphore, IntakeBusy } from './intake-semaphore';

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BoundedSemaphore', () => {
  it('grants at most max turns at once, queues the next ones and serves them in the order they came', async () => {
    const s = new BoundedSemaphore(2, 10, 60_000);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const all = [1, 2, 3, 4, 5].map((n) =>
      s.acquire().then((release) => {
        order.push(n);
        releases.push(release);
      }),
    );
    await settle();
    expect(order).toEqual([1, 2]);
    expect(s.inFlight).toBe(2);
    expect(s.waiting).toBe(3);
    releases[0]();
    await settle();
    expect(order).toEqual([1, 2, 3]);
    releases[1]();
    releases[2]();
    await settle();
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(s.inFlight).toBe(2);
    expect(s.waiting).toBe(0);
    releases[3]();
    releases[4]();
    await Promise.all(all);
    expect(s.inFlight).toBe(0);
  });

  it('refuses at once beyond the queue, and a later request is queued again once there is room', async () => {
    const s = new BoundedSemaphore(1, 2, 60_000);
    const first = await s.acquire();
    const queued = [s.acquire(), s.acquire()];
    await expect(s.acquire()).rejects.toMatchObject({ why: 'queueFull' });
    first();
    const second = await queued[0];
    second();
    (await queued[1])();
    expect(s.inFlight).toBe(0);
    const again = await s.acquire();
    again();
  });

  it('refuses a request that waited longer than maxWaitMs, and forgets it', async () => {
    jest.useFakeTimers();
    try {
      const s = new BoundedSemaphore(1, 5, 1000);
      const held = await s.acquire();
      const waiting = s.acquire();
      const outcome = waiting.then(
        () => 'granted',
        (err: unknown) => err,
      );
      jest.advanceTimersByTime(1001);
      const err = await outcome;
      expect(err).toBeInstanceOf(IntakeBusy);
      expect(err).toMatchObject({ why: 'waitedTooLong' });
      expect(s.waiting).toBe(0);
      held();
      expect(s.inFlight).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives a turn back once only, however often release is called', async () => {
    const s = new BoundedSemaphore(1, 5, 60_000);
    const release = await s.acquire();
    release();
    release();
    expect(s.inFlight).toBe(0);
    const a = await s.acquire();
    expect(s.inFlight).toBe(1);
    a();
  });

  it('with an empty queue allowed, refuses whatever comes while all turns are held', async () => {
    const s = new BoundedSemaphore(1, 0, 60_000);
    const held = await s.acquire();
    await expect(s.acquire()).rejects.toBeInstanceOf(IntakeBusy);
    held();
  });
});
