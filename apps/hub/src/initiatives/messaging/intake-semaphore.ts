/** Why a request did not get a turn: the queue was full when it came, or it waited longer than allowed. */
export class IntakeBusy extends Error {
  constructor(
    readonly why: 'queueFull' | 'waitedTooLong',
    message: string,
  ) {
    super(message);
    this.name = 'IntakeBusy';
  }
}

interface Waiter {
  grant: (release: () => void) => void;
  refuse: (err: IntakeBusy) => void;
  timer?: NodeJS.Timeout;
}

/**
 * At most `max` holders at a time; up to `queueMax` more wait their turn, first come first served, each at most
 * `maxWaitMs`. Beyond the queue, or past the wait, `acquire` rejects with IntakeBusy: the caller answers 503.
 */
export class BoundedSemaphore {
  private holders = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly max: number,
    readonly queueMax: number,
    readonly maxWaitMs: number,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error('max must be an integer >= 1');
    if (!Number.isInteger(queueMax) || queueMax < 0) throw new Error('queueMax must be an integer >= 0');
  }

  /** Holders now, and requests waiting. */
  get inFlight(): number {
    return this.holders;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with the function that gives the turn back (call it exactly once; later calls do nothing). */
  acquire(): Promise<() => void> {
    if (this.holders < this.max && this.queue.length === 0) {
      this.holders++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.queueMax) {
      return Promise.reject(
        new IntakeBusy('queueFull', `${this.holders} requests in progress and ${this.queue.length} waiting already`),
      );
    }
    return new Promise((grant, refuse) => {
      const waiter: Waiter = { grant, refuse };
      waiter.timer = setTimeout(() => {
        const i = this.queue.indexOf(waiter);
        if (i < 0) return;
        this.queue.splice(i, 1);
        refuse(new IntakeBusy('waitedTooLong', `waited ${this.maxWaitMs} ms for a turn`));
      }, this.maxWaitMs);
      waiter.timer.unref?.();
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) {
        // The turn passes straight to the next in line: holders stays the same.
        clearTimeout(next.timer);
        next.grant(this.releaser());
      } else {
        this.holders--;
      }
    };
  }
}
