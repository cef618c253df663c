import { BatchScheduler, BatchSchedulerOptions, ScheduledBatch, SchedulerDecision } from './batch-scheduler';

/** Messages are strings `<key>-<n>`; `*` has no key (a digest). */
const keyOf = (m: string) => (m.startsWith('*') ? undefined : m.split('-')[0]);

function scheduler(options: Partial<BatchSchedulerOptions<string>>, msgs: string[] = []): BatchScheduler<string> {
  const s = new BatchScheduler<string>({ maxBatch: 4, lingerMs: 0, concurrentBatches: 2, keyOf, ...options });
  for (const m of msgs) s.push(m);
  return s;
}

function batch(d: SchedulerDecision<string>): ScheduledBatch<string> {
  if (typeof d === 'string') throw new Error(`expected a batch, got ${d}`);
  return d;
}

const messagesOf = (d: SchedulerDecision<string>) => (typeof d === 'string' ? d : d.messages);

describe('BatchScheduler: one batch at a time', () => {
  it('waits with nothing queued', () => {
    expect(scheduler({}).next()).toBe('wait');
  });

  it('takes everything queued, in order, up to maxBatch', () => {
    const s = scheduler({}, ['a-1', 'b-1', 'c-1', 'd-1', 'e-1']);
    expect(messagesOf(s.next())).toEqual(['a-1', 'b-1', 'c-1', 'd-1']);
    expect(s.waiting).toBe(1);
  });

  it('keeps several messages of one key together in one batch, in order', () => {
    const s = scheduler({}, ['a-1', 'a-2', 'b-1', 'a-3']);
    const b = batch(s.next());
    expect(b.messages).toEqual(['a-1', 'a-2', 'b-1', 'a-3']);
    expect(b.keys).toEqual(['a', 'a', 'b', 'a']);
    expect(b.exclusive).toBe(false);
  });

  it('starts no second batch without a key function (batches go one at a time), whatever concurrentBatches says', () => {
    const s = scheduler({ keyOf: undefined, concurrentBatches: 8, maxBatch: 2 }, ['a', 'b', 'c', 'd', 'e']);
    const first = batch(s.next());
    expect(first.messages).toEqual(['a', 'b']);
    // Without keys, every batch is exclusive.
    expect(first.exclusive).toBe(true);
    expect(s.next()).toBe('wait');
    s.done(first);
    expect(messagesOf(s.next())).toEqual(['c', 'd']);
  });

  it('with concurrentBatches 1, starts the next batch only when the running one is done', () => {
    const s = scheduler({ concurrentBatches: 1, maxBatch: 2 }, ['a-1', 'b-1', 'c-1', 'd-1']);
    const first = batch(s.next());
    expect(s.next()).toBe('wait');
    s.done(first);
    expect(messagesOf(s.next())).toEqual(['c-1', 'd-1']);
  });

  it('counts running batches', () => {
    const s = scheduler({ maxBatch: 2 }, ['a-1', 'b-1', 'c-1', 'd-1']);
    const first = batch(s.next());
    const second = batch(s.next());
    expect(s.runningBatches).toBe(2);
    s.done(first);
    s.done(second);
    expect(s.runningBatches).toBe(0);
  });
});

describe('BatchScheduler: linger', () => {
  it('lingers once when fewer than maxBatch wait and nothing runs, then takes what is there', () => {
    const s = scheduler({ lingerMs: 5 }, ['a-1']);
    expect(s.next()).toBe('linger');
    s.push('b-1');
    expect(messagesOf(s.next())).toEqual(['a-1', 'b-1']);
  });

  it('does not linger with a full batch waiting', () => {
    const s = scheduler({ lingerMs: 5 }, ['a-1', 'b-1', 'c-1', 'd-1']);
    expect(messagesOf(s.next())).toEqual(['a-1', 'b-1', 'c-1', 'd-1']);
  });

  it('does not linger with lingerMs 0', () => {
    expect(messagesOf(scheduler({ lingerMs: 0 }, ['a-1']).next())).toEqual(['a-1']);
  });

  it('lingers again before the batch after', () => {
    const s = scheduler({ lingerMs: 5, concurrentBatches: 1 }, ['a-1']);
    expect(s.next()).toBe('linger');
    const first = batch(s.next());
    s.done(first);
    s.push('a-2');
    expect(s.next()).toBe('linger');
    expect(messagesOf(s.next())).toEqual(['a-2']);
  });

  it('does not linger beside a running batch', () => {
    const s = scheduler({ lingerMs: 5, maxBatch: 4 }, ['a-1', 'b-1', 'c-1', 'd-1']);
    batch(s.next());
    for (const m of ['e-1', 'f-1', 'g-1']) s.push(m);
    expect(messagesOf(s.next())).toEqual(['e-1', 'f-1', 'g-1']);
  });
});

describe('BatchScheduler: concurrent batches and ordering keys', () => {
  it('starts a second batch beside a running one only with a backlog of at least half a batch', () => {
    const s = scheduler({ maxBatch: 8 }, ['a-1', 'b-1', 'c-1', 'd-1', 'e-1', 'f-1', 'g-1', 'h-1']);
    batch(s.next());
    for (const m of ['i-1', 'j-1', 'k-1']) s.push(m);
    expect(s.next()).toBe('wait');
    s.push('l-1');
    expect(messagesOf(s.next())).toEqual(['i-1', 'j-1', 'k-1', 'l-1']);
  });

  it('never starts more than concurrentBatches', () => {
    const s = scheduler({ maxBatch: 2, concurrentBatches: 2 }, ['a-1', 'b-1', 'c-1', 'd-1', 'e-1', 'f-1']);
    batch(s.next());
    batch(s.next());
    expect(s.next()).toBe('wait');
    expect(s.waiting).toBe(2);
  });

  it('leaves in the queue, in order, the messages whose key a running batch holds', () => {
    const s = scheduler({ maxBatch: 4 }, ['a-1', 'b-1', 'c-1', 'd-1']);
    const first = batch(s.next());
    for (const m of ['a-2', 'e-1', 'b-2', 'f-1', 'a-3', 'g-1']) s.push(m);
    const second = batch(s.next());
    expect(second.messages).toEqual(['e-1', 'f-1', 'g-1']);
    expect(second.keys).toEqual(['e', 'f', 'g']);
    expect(s.next()).toBe('wait');
    s.done(first);
    expect(messagesOf(s.next())).toEqual(['a-2', 'b-2', 'a-3']);
  });

  it('frees a batch’s keys when it is done', () => {
    const s = scheduler({ maxBatch: 2 }, ['a-1', 'b-1']);
    const first = batch(s.next());
    s.push('a-2');
    s.push('c-1');
    const second = batch(s.next());
    expect(second.messages).toEqual(['c-1']);
    s.done(first);
    s.done(second);
    expect(messagesOf(s.next())).toEqual(['a-2']);
  });

  it('starts no batch beside a running one that would take under a quarter of maxBatch', () => {
    const s = scheduler({ maxBatch: 8 }, ['a-1', 'b-1', 'c-1', 'd-1', 'e-1', 'f-1', 'g-1', 'h-1']);
    const first = batch(s.next());
    // Four waiting (half a batch), but only one not held by the running batch.
    for (const m of ['a-2', 'b-2', 'c-2', 'x-1']) s.push(m);
    expect(s.next()).toBe('wait');
    expect(s.waiting).toBe(4);
    s.done(first);
    expect(messagesOf(s.next())).toEqual(['a-2', 'b-2', 'c-2', 'x-1']);
  });

  it('takes a message without a key only while nothing runs, and then starts nothing beside it', () => {
    const s = scheduler({ maxBatch: 4 }, ['a-1', '*d', 'b-1', 'c-1']);
    const first = batch(s.next());
    expect(first.messages).toEqual(['a-1', '*d', 'b-1', 'c-1']);
    expect(first.exclusive).toBe(true);
    expect(first.keys).toEqual(['a', 'b', 'c']);
    for (const m of ['e-1', 'f-1', 'g-1', 'h-1']) s.push(m);
    expect(s.next()).toBe('wait');
    s.done(first);
    expect(batch(s.next()).exclusive).toBe(false);
  });

  it('ends a batch beside a running one before a message without a key, which waits, with what follows', () => {
    const s = scheduler({ maxBatch: 4 }, ['a-1', 'b-1', 'c-1', 'd-1']);
    const first = batch(s.next());
    for (const m of ['e-1', 'f-1', '*d', 'g-1']) s.push(m);
    const second = batch(s.next());
    expect(second.messages).toEqual(['e-1', 'f-1']);
    expect(second.exclusive).toBe(false);
    s.done(first);
    // The digest waits for the second batch too: it starts only when nothing runs.
    expect(s.next()).toBe('wait');
    s.done(second);
    const third = batch(s.next());
    expect(third.messages).toEqual(['*d', 'g-1']);
    expect(third.exclusive).toBe(true);
  });

  it('takes no message without a key beside a running batch even if it is first in the queue', () => {
    const s = scheduler({ maxBatch: 2 }, ['a-1', 'b-1']);
    const first = batch(s.next());
    s.push('*d');
    s.push('c-1');
    expect(s.next()).toBe('wait');
    s.done(first);
    expect(messagesOf(s.next())).toEqual(['*d', 'c-1']);
  });

  it('keeps the order of what it leaves when it takes from the middle of the queue', () => {
    const s = scheduler({ maxBatch: 4 }, ['a-1', 'b-1', 'c-1', 'd-1']);
    const first = batch(s.next());
    for (const m of ['a-2', 'e-1', 'a-3', 'f-1', 'b-2', 'g-1', 'h-1']) s.push(m);
    expect(messagesOf(s.next())).toEqual(['e-1', 'f-1', 'g-1', 'h-1']);
    s.done(first);
    expect(s.drain()).toEqual(['a-2', 'a-3', 'b-2']);
  });

  it('gives every message of the queue to exactly one batch, in each key’s order', () => {
    const msgs = Array.from({ length: 200 }, (_, i) => (i % 37 === 0 ? `*${i}` : `${'abcdefg'[(i * 3) % 7]}-${i}`));
    const s = scheduler({ maxBatch: 8, concurrentBatches: 3 }, msgs);
    const running: ScheduledBatch<string>[] = [];
    const order: string[] = [];
    for (let step = 0; step < 10_000 && order.length < msgs.length; step++) {
      const d = s.next();
      if (d === 'linger') continue;
      if (d === 'wait') {
        // Finish the oldest running batch.
        const done = running.shift();
        if (!done) throw new Error('waiting with nothing running');
        s.done(done);
        continue;
      }
      // No two running batches share a key; an exclusive batch runs alone.
      for (const r of running) {
        expect(d.keys.some((k) => r.keys.includes(k))).toBe(false);
        expect(r.exclusive || d.exclusive).toBe(false);
      }
      running.push(d);
      order.push(...d.messages);
    }
    expect([...order].sort()).toEqual([...msgs].sort());
    // Per key (and for the keyless messages relative to everything), the order taken is the stream order.
    for (const key of 'abcdefg') {
      const ofKey = (l: string[]) => l.filter((m) => m.startsWith(`${key}-`));
      expect(ofKey(order)).toEqual(ofKey(msgs));
    }
    for (const m of msgs.filter((x) => x.startsWith('*'))) {
      const before = msgs.slice(0, msgs.indexOf(m));
      expect(order.slice(0, order.indexOf(m)).sort()).toEqual([...before].sort());
    }
  });

  it('drains the queue (on close), leaving it empty', () => {
    const s = scheduler({}, ['a-1', 'b-1']);
    expect(s.drain()).toEqual(['a-1', 'b-1']);
    expect(s.waiting).toBe(0);
    expect(s.next()).toBe('wait');
  });
});
