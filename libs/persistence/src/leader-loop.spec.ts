import {
  Leadership,
  LeaderLog,
  LeaderLoop,
  LeaderLoopOptions,
  LeaderWork,
  defaultLeaderBackoffMs,
} from './leader-loop';

/** A lock held by whoever `owner` says; `connectionLost` makes dropIfLost() forget it, as a dead connection does. */
class FakeLeadership implements Leadership {
  readonly lockName = 'test-lock';
  owner: 'us' | 'other' | 'nobody' = 'nobody';
  connectionLost = false;
  acquireFails?: Error;
  acquires = 0;
  releases = 0;

  get held(): boolean {
    return this.owner === 'us';
  }

  async acquire(): Promise<boolean> {
    this.acquires++;
    if (this.acquireFails) throw this.acquireFails;
    if (this.owner === 'other') return false;
    this.owner = 'us';
    return true;
  }

  async dropIfLost(): Promise<void> {
    if (this.held && this.connectionLost) {
      this.owner = 'nobody';
      this.connectionLost = false;
    }
  }

  async release(): Promise<void> {
    this.releases++;
    if (this.held) this.owner = 'nobody';
  }
}

class RecordingLog implements LeaderLog {
  readonly lines: Record<string, unknown>[] = [];
  info(line: Record<string, unknown>): void {
    this.lines.push({ level: 'info', ...line });
  }
  warn(line: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', ...line });
  }
  msgs(): unknown[] {
    return this.lines.map((l) => l.msg);
  }
}

const messages = { active: 'worker active', failed: 'worker failed, will retry', recovered: 'worker recovered' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(2);
  }
}

function loopWith(work: LeaderWork, options: Partial<LeaderLoopOptions> = {}, leadership = new FakeLeadership()) {
  const log = new RecordingLog();
  const loop = new LeaderLoop(
    leadership,
    log,
    { messages, wakeDuringBackoff: true, standbyRetryMs: 20, backoffMs: () => 20, ...options },
    work,
  );
  return { loop, log, leadership };
}

describe('LeaderLoop', () => {
  it('takes the lock, says so once with the lock’s name, and works while leader', async () => {
    let turns = 0;
    const { loop, log, leadership } = loopWith(async () => {
      turns++;
      return 5;
    });
    expect(loop.start()).toBe(true);
    await until(() => turns >= 3);
    expect(loop.leading).toBe(true);
    await loop.stop();
    expect(log.lines.filter((l) => l.msg === 'worker active')).toEqual([
      { level: 'info', msg: 'worker active', lock: 'test-lock' },
    ]);
    expect(leadership.held).toBe(false);
    expect(leadership.releases).toBe(1);
  });

  it('does not start twice', async () => {
    const { loop } = loopWith(async () => 1000);
    expect(loop.start()).toBe(true);
    expect(loop.start()).toBe(false);
    await loop.stop();
    expect(loop.start()).toBe(true);
    await loop.stop();
  });

  it('a woken standby tries the lock once more, then waits again (no tight loop)', async () => {
    // Each try takes a turn of the event loop, as a query does: a tight loop shows as a count, not as a hung test.
    const leadership = new (class extends FakeLeadership {
      override async acquire(): Promise<boolean> {
        await new Promise((r) => setImmediate(r));
        return super.acquire();
      }
    })();
    leadership.owner = 'other';
    const { loop } = loopWith(async () => 1000, { standbyRetryMs: 60_000 }, leadership);
    loop.start();
    await until(() => leadership.acquires === 1);
    loop.wake();
    await until(() => leadership.acquires === 2);
    await sleep(50);
    // Before the fix the wake-up was never cleared: the standby called acquire() back to back, thousands of times.
    expect(leadership.acquires).toBe(2);
    loop.wake();
    await until(() => leadership.acquires === 3);
    await loop.stop();
  });

  it('waits as a standby while another instance holds the lock, trying again, then takes over', async () => {
    const leadership = new FakeLeadership();
    leadership.owner = 'other';
    let turns = 0;
    const { loop } = loopWith(
      async () => {
        turns++;
        return 1000;
      },
      {},
      leadership,
    );
    loop.start();
    await until(() => leadership.acquires >= 3);
    expect(turns).toBe(0);
    expect(loop.leading).toBe(false);
    expect(loop.started).toBe(true);
    leadership.owner = 'nobody';
    await until(() => turns === 1);
    expect(loop.leading).toBe(true);
    await loop.stop();
  });

  it('waits as long as the work says, and a wake-up cuts the wait short', async () => {
    let turns = 0;
    const { loop } = loopWith(async () => {
      turns++;
      return 60_000;
    });
    loop.start();
    await until(() => turns === 1);
    await sleep(30);
    expect(turns).toBe(1);
    loop.wake();
    await until(() => turns === 2);
    await loop.stop();
  });

  it('runs the next turn at once when the work returns undefined', async () => {
    let turns = 0;
    const { loop } = loopWith(async () => (++turns < 5 ? undefined : 60_000));
    loop.start();
    await until(() => turns === 5);
    await sleep(20);
    expect(turns).toBe(5);
    await loop.stop();
  });

  it('keeps a wake-up that came during a turn for the wait after it', async () => {
    let turns = 0;
    const { loop } = loopWith(async () => {
      turns++;
      if (turns === 1) loop.wake();
      return 60_000;
    });
    loop.start();
    await until(() => turns === 2);
    await sleep(20);
    expect(turns).toBe(2);
    await loop.stop();
  });

  it('lingers after a wake-up before the next turn', async () => {
    const starts: number[] = [];
    const { loop } = loopWith(
      async () => {
        starts.push(Date.now());
        return 60_000;
      },
      { lingerMs: 40 },
    );
    loop.start();
    await until(() => starts.length === 1);
    const woken = Date.now();
    loop.wake();
    await until(() => starts.length === 2);
    expect(starts[1] - woken).toBeGreaterThanOrEqual(35);
    await loop.stop();
  });

  it('logs the first failure and every 20th, backs off, and logs the recovery with the count', async () => {
    let turns = 0;
    const backoffs: number[] = [];
    const { loop, log } = loopWith(
      async () => {
        turns++;
        if (turns <= 21) throw new Error(`boom ${turns}`);
        return 60_000;
      },
      {
        backoffMs: (n) => {
          backoffs.push(n);
          return 1;
        },
      },
    );
    loop.start();
    await until(() => turns === 22);
    await loop.stop();
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', msg: 'worker failed, will retry', err: 'boom 1', consecutiveFailures: 1 },
      { level: 'warn', msg: 'worker failed, will retry', err: 'boom 20', consecutiveFailures: 20 },
    ]);
    expect(log.lines.filter((l) => l.msg === 'worker recovered')).toEqual([
      { level: 'info', msg: 'worker recovered', afterFailures: 21 },
    ]);
    expect(backoffs).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  it('logs a recovery where the work says it succeeded, before a tail that fails on its own', async () => {
    let turns = 0;
    const { loop, log } = loopWith(async (turn) => {
      turns++;
      if (turns === 1) throw new Error('publish failed');
      turn.succeeded();
      if (turns === 2) throw new Error('mark failed');
      return 60_000;
    });
    loop.start();
    await until(() => turns === 3);
    await loop.stop();
    expect(log.msgs()).toEqual([
      'worker active',
      'worker failed, will retry',
      'worker recovered',
      'worker failed, will retry',
      'worker recovered',
    ]);
    expect(log.lines.filter((l) => l.msg === 'worker failed, will retry').map((l) => l.consecutiveFailures)).toEqual([
      1, 1,
    ]);
  });

  it('steps down when the lock’s connection is lost, tells its owner, and competes for the lock again', async () => {
    const leadership = new FakeLeadership();
    let turns = 0;
    let standby = 0;
    const { loop, log } = loopWith(
      async () => {
        turns++;
        if (turns === 2) {
          leadership.connectionLost = true;
          throw new Error('Connection terminated unexpectedly');
        }
        return 5;
      },
      { onStandby: () => standby++ },
      leadership,
    );
    loop.start();
    await until(() => turns >= 3);
    await loop.stop();
    expect(standby).toBe(1);
    expect(log.msgs().filter((m) => m === 'worker active')).toHaveLength(2);
  });

  it('keeps the lock after a failure while its connection is alive (onStandby not called)', async () => {
    let turns = 0;
    let standby = 0;
    const { loop, leadership } = loopWith(
      async () => {
        turns++;
        if (turns === 1) throw new Error('broker down');
        return 60_000;
      },
      { onStandby: () => standby++ },
    );
    loop.start();
    await until(() => turns === 2);
    expect(standby).toBe(0);
    expect(leadership.acquires).toBe(1);
    await loop.stop();
  });

  it('treats a failure to take the lock (database down) as a failed turn', async () => {
    const leadership = new FakeLeadership();
    leadership.acquireFails = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    let standby = 0;
    const { loop, log } = loopWith(async () => 60_000, { onStandby: () => standby++ }, leadership);
    loop.start();
    await until(() => leadership.acquires >= 2);
    leadership.acquireFails = undefined;
    await until(() => loop.leading);
    await loop.stop();
    expect(log.lines[0]).toEqual({
      level: 'warn',
      msg: 'worker failed, will retry',
      err: 'connect ECONNREFUSED 127.0.0.1:5432',
      consecutiveFailures: 1,
    });
    expect(standby).toBeGreaterThanOrEqual(1);
  });

  it('with wakeDuringBackoff false, is not woken early from the wait after a failure, but stop() still ends it', async () => {
    let turns = 0;
    const { loop } = loopWith(
      async () => {
        turns++;
        throw new Error('503 no responders');
      },
      { wakeDuringBackoff: false, backoffMs: () => 60_000 },
    );
    loop.start();
    await until(() => turns === 1);
    for (let i = 0; i < 10; i++) {
      loop.wake();
      await sleep(2);
    }
    expect(turns).toBe(1);
    const stopping = Date.now();
    await loop.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
  });

  it('with wakeDuringBackoff true, a wake-up ends the wait after a failure', async () => {
    let turns = 0;
    const { loop } = loopWith(
      async () => {
        turns++;
        if (turns === 1) throw new Error('webhook store down');
        return 60_000;
      },
      { wakeDuringBackoff: true, backoffMs: () => 60_000 },
    );
    loop.start();
    await until(() => turns === 1);
    await sleep(10);
    loop.wake();
    await until(() => turns === 2);
    await loop.stop();
  });

  it('stops cleanly: the turn in progress finishes, beforeRelease runs while still leader, then the lock goes', async () => {
    const order: string[] = [];
    let release!: () => void;
    const { loop, leadership } = loopWith(async () => {
      order.push('turn start');
      await new Promise<void>((r) => (release = r));
      order.push('turn end');
      return 60_000;
    });
    loop.start();
    await until(() => order.length === 1);
    const stopped = loop.stop(async (held) => {
      order.push(`beforeRelease held=${held} leading=${loop.leading}`);
    });
    expect(loop.started).toBe(false);
    await sleep(10);
    expect(order).toEqual(['turn start']);
    release();
    await stopped;
    expect(order).toEqual(['turn start', 'turn end', 'beforeRelease held=true leading=false']);
    expect(leadership.held).toBe(false);
  });

  it('stops a standby without waiting for its retry', async () => {
    const leadership = new FakeLeadership();
    leadership.owner = 'other';
    const { loop } = loopWith(async () => 5, { standbyRetryMs: 60_000 }, leadership);
    loop.start();
    await until(() => leadership.acquires === 1);
    let held: boolean | undefined;
    const stopping = Date.now();
    await loop.stop((h) => void (held = h));
    expect(Date.now() - stopping).toBeLessThan(1000);
    expect(held).toBe(false);
  });

  it('stops when never started (releases nothing it does not hold)', async () => {
    const { loop, leadership } = loopWith(async () => 5);
    await loop.stop();
    expect(leadership.held).toBe(false);
  });
});

describe('defaultLeaderBackoffMs', () => {
  it.each([
    [1, 200],
    [2, 400],
    [3, 800],
    [5, 3200],
    [6, 5000],
    [20, 5000],
  ])('after %i failures in a row: %i ms', (n, ms) => expect(defaultLeaderBackoffMs(n)).toBe(ms));
});
