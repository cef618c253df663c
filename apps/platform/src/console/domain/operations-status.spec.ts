import {
  consumerStatus,
  deadLetterStatus,
  detectionStatus,
  serviceStatus,
  SourceFacts,
  sourceState,
  sourceStatus,
  THRESHOLDS,
  worst,
} from './operations-status';

describe('operations statuses and their thresholds', () => {
  it('takes the worst status as the overall one (green when there is nothing)', () => {
    expect(worst([])).toBe('green');
    expect(worst(['green', 'amber', 'green'])).toBe('amber');
    expect(worst(['amber', 'red', 'green'])).toBe('red');
  });

  it.each([
    [{ pending: 0, ackPending: 0 }, 'green'],
    [{ pending: 999, ackPending: 0 }, 'green'],
    [{ pending: 500, ackPending: 500 }, 'amber'],
    [{ pending: 9_999, ackPending: 0 }, 'amber'],
    [{ pending: 8_000, ackPending: 2_000 }, 'red'],
    [{ error: 'no answer within 2000 ms' }, 'red'],
    [{}, 'red'],
  ] as const)('a consumer %j is %s', (c, status) => {
    expect(consumerStatus(c)).toBe(status);
  });

  it.each([
    [{ backlog: 0 }, 'green'],
    [{ backlog: 10, oldestQueuedAgeSeconds: 2 }, 'green'],
    [{ backlog: 10, oldestQueuedAgeSeconds: 30 }, 'amber'],
    [{ backlog: 1_000, oldestQueuedAgeSeconds: 1 }, 'amber'],
    [{ backlog: 10, oldestQueuedAgeSeconds: 300 }, 'red'],
    [{ backlog: 10_000, oldestQueuedAgeSeconds: 1 }, 'red'],
  ])('detection %j is %s', (d, status) => {
    expect(detectionStatus(d)).toBe(status);
  });

  it.each([
    [{ count: 0 }, 'green'],
    [{ count: 0, lastWrittenAgeSeconds: 5 }, 'green'],
    [{ count: 3, lastWrittenAgeSeconds: 60 }, 'red'],
    [{ count: 3, lastWrittenAgeSeconds: THRESHOLDS.deadLetters.redWithinSeconds }, 'amber'],
    [{ count: 3 }, 'amber'],
    [{ error: 'stream not found' }, 'red'],
  ])('dead letters %j are %s', (d, status) => {
    expect(deadLetterStatus(d)).toBe(status);
  });

  const source = (over: Partial<SourceFacts>): SourceFacts => ({
    matched: true,
    checkedAgeSeconds: 10,
    refused: 0,
    ...over,
  });

  it.each([
    [source({}), 'MATCHED', 'green'],
    [source({ refused: 2 }), 'MATCHED', 'amber'],
    [source({ matched: undefined, checkedAgeSeconds: undefined }), 'NOT_CHECKED', 'amber'],
    [source({ checkedAgeSeconds: THRESHOLDS.source.staleAfterSeconds }), 'STALE', 'amber'],
    [source({ matched: false }), 'MISMATCHED', 'red'],
    [source({ matched: false, repairAfterMismatch: { failed: true } }), 'MISMATCHED', 'red'],
    [source({ matched: false, repairAfterMismatch: { failed: false } }), 'REPAIRING', 'amber'],
  ])('a source %j is %s, %s', (s, state, status) => {
    expect(sourceState(s)).toBe(state);
    expect(sourceStatus(s)).toBe(status);
  });

  it.each([
    [{ reachable: true, ready: true, outboxBacklog: 0 }, 'green'],
    [{ reachable: true, ready: true }, 'green'],
    [{ reachable: false, ready: false }, 'red'],
    [{ reachable: true, ready: false }, 'red'],
    [{ reachable: true, ready: true, metricsError: 'GET /metrics answered 403' }, 'amber'],
    [{ reachable: true, ready: true, outboxBacklog: 1_000 }, 'amber'],
    [{ reachable: true, ready: true, outboxBacklog: 10_000 }, 'red'],
    [{ reachable: true, ready: true, outboxBacklog: 0, oldestUnsentAgeSeconds: 45 }, 'amber'],
    [{ reachable: true, ready: true, outboxBacklog: 3, oldestUnsentAgeSeconds: 600 }, 'red'],
  ])('a service %j is %s', (s, status) => {
    expect(serviceStatus(s)).toBe(status);
  });
});
