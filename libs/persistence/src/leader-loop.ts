/** The lock that makes one instance the leader: `AdvisoryLeadership`, or a fake in a test. */
export interface Leadership {
  readonly held: boolean;
  readonly lockName: string;
  /** True when we hold the lock (already, or now); false when someone else does. */
  acquire(): Promise<boolean>;
  /** After a failure: if the lock's connection is gone, forget it, so the next acquire() competes again. */
  dropIfLost(): Promise<void>;
  release(): Promise<void>;
}

/** Where the loop writes its lines (a CtpLogger). */
export interface LeaderLog {
  info(line: Record<string, unknown>): void;
  warn(line: Record<string, unknown>): void;
}

export interface LeaderLoopOptions {
  /** The `msg` of the loop's lines: on becoming leader, on a failed turn (the 1st and every 20th), on recovering. */
  messages: { active: string; failed: string; recovered: string };
  /** A standby tries to take the lock this often (and when woken). */
  standbyRetryMs?: number;
  /** After being woken, wait this long before the next turn, so that what comes together is worked on together. */
  lingerMs?: number;
  /**
   * Whether `wake()` cuts the wait after a failure short. The relay's is not: under load every commit wakes it, and it
   * would otherwise retry a failing broker in a tight loop.
   */
  wakeDuringBackoff: boolean;
  /** How long to wait after the n-th failure in a row (default: 200 ms doubling, capped at 5 s). */
  backoffMs?: (consecutiveFailures: number) => number;
  /** After a failure that left this instance without the lock (the leader's memory is someone else's business now). */
  onStandby?: () => void;
}

/** Told to the work of one turn. */
export interface LeaderTurn {
  /**
   * The turn's main work succeeded: ends a run of failures (logging the recovery). Called by the loop when the work
   * returns, unless the work called it earlier (before a tail that may fail on its own).
   */
  succeeded(): void;
}

/**
 * One turn of the leader's work. Returns how long to wait for the next one (a `wake()` cuts the wait short), or
 * undefined for the next turn at once. A throw is a failed turn: logged, backed off, the lock checked.
 */
export type LeaderWork = (turn: LeaderTurn) => Promise<number | undefined>;

export const defaultLeaderBackoffMs = (failures: number): number => Math.min(5000, 100 * 2 ** Math.min(6, failures));

/**
 * "Only one of us does this, again and again": a background loop that works only while it holds the leadership lock.
 * A standby tries to take the lock every `standbyRetryMs` (and when woken); the leader runs turns of `work`, waiting
 * between them as the work says or until woken; a failed turn is logged (the 1st and every 20th in a row), backed off,
 * and the lock's connection checked: a lost one is dropped, and the loop competes for the lock again. `stop()` ends
 * the turn in progress, then releases the lock. Shared by the outbox relay and partner-liaison's outbound worker.
 */
export class LeaderLoop {
  private stopping = false;
  private running?: Promise<void>;
  private woken = false;
  private wakeWaiter?: () => void;
  private consecutiveFailures = 0;

  constructor(
    private readonly leadership: Leadership,
    private readonly log: LeaderLog,
    private readonly options: LeaderLoopOptions,
    private readonly work: LeaderWork,
  ) {}

  /** Started, and not stopping. */
  get started(): boolean {
    return this.running !== undefined && !this.stopping;
  }

  /** Started, not stopping, and holding the lock: what this instance does now is the leader's work. */
  get leading(): boolean {
    return this.started && this.leadership.held;
  }

  /** Starts the loop; false if it was running already (or still stopping). */
  start(): boolean {
    if (this.running) return false;
    this.stopping = false;
    this.running = this.loop();
    return true;
  }

  /**
   * Ends the loop (the turn in progress finishes), runs `beforeRelease` (still leader when `held`), then releases the
   * lock.
   */
  async stop(beforeRelease?: (held: boolean) => Promise<void> | void): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    this.running = undefined;
    await beforeRelease?.(this.leadership.held);
    await this.leadership.release();
  }

  /** Work to do: the next turn starts at once (after `lingerMs`) rather than when the wait is over. */
  wake(): void {
    this.woken = true;
    const waiter = this.wakeWaiter;
    this.wakeWaiter = undefined;
    waiter?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        // A standby's try for the lock serves the wake-ups before it: it tries again when woken anew (during the try
        // or after it) or when the wait is over, never in a tight loop.
        if (!this.leadership.held) this.woken = false;
        if (!(await this.becomeActive())) {
          await this.idle(this.options.standbyRetryMs ?? 2000);
          continue;
        }
        // Wake-ups until now are served by this turn.
        this.woken = false;
        let succeeded = false;
        const turn: LeaderTurn = {
          succeeded: () => {
            if (succeeded) return;
            succeeded = true;
            this.recovered();
          },
        };
        const waitMs = await this.work(turn);
        turn.succeeded();
        if (waitMs !== undefined) await this.idle(waitMs);
      } catch (err) {
        this.consecutiveFailures++;
        if (this.consecutiveFailures === 1 || this.consecutiveFailures % 20 === 0) {
          this.log.warn({
            msg: this.options.messages.failed,
            err: (err as Error).message,
            consecutiveFailures: this.consecutiveFailures,
          });
        }
        await this.leadership.dropIfLost();
        if (!this.leadership.held) this.options.onStandby?.();
        const backoff = this.options.backoffMs ?? defaultLeaderBackoffMs;
        await this.idle(backoff(this.consecutiveFailures), this.options.wakeDuringBackoff);
      }
    }
  }

  private recovered(): void {
    if (this.consecutiveFailures === 0) return;
    this.log.info({ msg: this.options.messages.recovered, afterFailures: this.consecutiveFailures });
    this.consecutiveFailures = 0;
  }

  /** Waits `ms`, or less if woken when `wakeable`; stop() always ends the wait. */
  private async idle(ms: number, wakeable = true): Promise<void> {
    if ((wakeable && this.woken) || this.stopping) return;
    const lingerMs = this.options.lingerMs ?? 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeWaiter = undefined;
        resolve();
      }, ms);
      const onWake = () => {
        if (!wakeable && !this.stopping) {
          this.wakeWaiter = onWake;
          return;
        }
        clearTimeout(timer);
        if (lingerMs > 0 && !this.stopping) setTimeout(resolve, lingerMs);
        else resolve();
      };
      this.wakeWaiter = onWake;
    });
  }

  private async becomeActive(): Promise<boolean> {
    if (this.leadership.held) return true;
    if (!(await this.leadership.acquire())) return false;
    this.log.info({ msg: this.options.messages.active, lock: this.leadership.lockName });
    return true;
  }
}
