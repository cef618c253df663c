/** What a consumer's scheduler is told about its batches. */
export interface BatchSchedulerOptions<M> {
  /** Most messages in one batch. */
  maxBatch: number;
  /** With fewer than maxBatch waiting and nothing running, wait this long for more once (0: never). */
  lingerMs: number;
  /** Batches applied at the same time, at most; only with `keyOf` (without it, one at a time). */
  concurrentBatches: number;
  /**
   * What a message's effects are about (ConsumerBinding.orderingKey, through the message's envelope). Two batches
   * applied at once never share a key; a message without one (undefined) is applied only while no other batch is.
   */
  keyOf?: (msg: M) => string | undefined;
}

/** The messages of one batch, in queue order, and what it holds while it runs. */
export interface ScheduledBatch<M> {
  messages: M[];
  /** The ordering keys it holds: no other batch takes a message with one of them until it is done. */
  keys: string[];
  /** It holds a message without a key: no other batch starts until it is done. */
  exclusive: boolean;
}

/** 'wait': nothing to take now (wait for a message or a batch to finish); 'linger': wait lingerMs, then ask again. */
export type SchedulerDecision<M> = ScheduledBatch<M> | 'linger' | 'wait';

/**
 * Which buffered messages go into which batch, and when: no I/O and no timers (the transport waits as it is told).
 * One per consumer. Messages are queued in delivery order; a batch takes them in order, up to maxBatch, leaving in the
 * queue those whose ordering key a running batch holds (and every later message with that key) and stopping before
 * one without a key unless nothing runs. A second batch starts only with a backlog (at least half of maxBatch
 * waiting) and only if it takes at least a quarter of maxBatch.
 */
export class BatchScheduler<M> {
  private queue: M[] = [];
  private running = 0;
  /** The ordering keys of the batches running. */
  private readonly busy = new Set<string>();
  private exclusive = false;
  /** Has just told the transport to linger: take what is there now. */
  private lingered = false;
  private readonly maxRunning: number;

  constructor(private readonly options: BatchSchedulerOptions<M>) {
    this.maxRunning = Math.max(1, options.keyOf ? options.concurrentBatches : 1);
  }

  /** A message received, after those received before it. */
  push(msg: M): void {
    this.queue.push(msg);
  }

  /** Messages waiting (not in a running batch). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Batches taken and not done yet. */
  get runningBatches(): number {
    return this.running;
  }

  /** Empties the queue, returning what was in it (on close: handed back to the broker). */
  drain(): M[] {
    return this.queue.splice(0);
  }

  /** The next batch to start now, if any; a batch returned is running until `done(batch)`. */
  next(): SchedulerDecision<M> {
    const backlog = this.running === 0 || this.queue.length >= this.options.maxBatch / 2;
    if (this.queue.length === 0 || this.running >= this.maxRunning || this.exclusive || !backlog) return 'wait';
    return this.take() ?? 'wait';
  }

  /** A batch from `next()` is done (committed, failed, whatever): its keys are free again. */
  done(batch: ScheduledBatch<M>): void {
    this.running--;
    for (const k of batch.keys) this.busy.delete(k);
    if (batch.exclusive) this.exclusive = false;
  }

  private take(): ScheduledBatch<M> | 'linger' | undefined {
    const { maxBatch, lingerMs, keyOf } = this.options;
    if (this.running === 0 && !this.lingered && lingerMs > 0 && this.queue.length < maxBatch) {
      this.lingered = true;
      return 'linger';
    }
    this.lingered = false;
    const take: number[] = [];
    const keys: string[] = [];
    let exclusive = false;
    // In order; a message whose key a running batch holds stays for a later batch (and so does every later message
    // with that key); a message without a key ends the batch unless nothing runs.
    for (let i = 0; i < this.queue.length && take.length < maxBatch; i++) {
      const key = keyOf ? keyOf(this.queue[i]) : undefined;
      if (key === undefined) {
        if (this.running > 0) break;
        exclusive = true;
      } else if (this.busy.has(key)) continue;
      else keys.push(key);
      take.push(i);
    }
    // Beside a running batch, only a batch worth its transaction.
    if (take.length === 0 || (this.running > 0 && take.length < maxBatch / 4)) return undefined;
    for (const k of keys) this.busy.add(k);
    let messages: M[];
    if (take.length === take[take.length - 1] + 1) messages = this.queue.splice(0, take.length);
    else {
      const taken = new Set(take);
      messages = take.map((i) => this.queue[i]);
      this.queue = this.queue.filter((_, i) => !taken.has(i));
    }
    this.running++;
    if (exclusive) this.exclusive = true;
    return { messages, keys, exclusive };
  }
}
