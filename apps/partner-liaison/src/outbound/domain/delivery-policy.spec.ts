import { afterAttempt, isAcknowledged, retryDelayMs, RetryPolicy } from './delivery-policy';

const POLICY: RetryPolicy = { baseMs: 1000, maxMs: 300_000, maxAttempts: 8 };
const noJitter = () => 0.5;

describe('isAcknowledged', () => {
  it.each([
    [200, true],
    [201, true],
    [204, true],
    [299, true],
    [301, false],
    [304, false],
    [400, false],
    [429, false],
    [500, false],
    [503, false],
  ])('%i → %p', (status, ok) => {
    expect(isAcknowledged(status)).toBe(ok);
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base after each failure, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => retryDelayMs(n, POLICY, noJitter))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000,
    ]);
  });

  it('stays within ±10 % of the nominal delay, and never above the cap', () => {
    for (let n = 1; n <= 12; n++) {
      const nominal = Math.min(300_000, 1000 * 2 ** (n - 1));
      for (const r of [0, 0.25, 0.999]) {
        const d = retryDelayMs(n, POLICY, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * 0.9));
        expect(d).toBeLessThanOrEqual(Math.min(300_000, Math.ceil(nominal * 1.1)));
      }
    }
  });

  it('does not overflow after very many attempts', () => {
    expect(retryDelayMs(10_000, POLICY, noJitter)).toBe(300_000);
  });
});

describe('afterAttempt', () => {
  it('a 2xx delivers', () => {
    expect(afterAttempt({ ok: true, status: 204 }, 3, POLICY)).toEqual({ status: 'DELIVERED' });
  });

  it('a failure before the last attempt is retried later', () => {
    expect(afterAttempt({ ok: false, status: 500, error: 'HTTP 500' }, 1, POLICY, noJitter)).toEqual({
      status: 'PENDING',
      retryInMs: 1000,
    });
    expect(afterAttempt({ ok: false, error: 'timeout' }, 7, POLICY, noJitter)).toEqual({
      status: 'PENDING',
      retryInMs: 64_000,
    });
  });

  it('the last allowed failure is DEAD', () => {
    expect(afterAttempt({ ok: false, status: 500, error: 'HTTP 500' }, 8, POLICY)).toEqual({ status: 'DEAD' });
    expect(afterAttempt({ ok: false, error: 'refused' }, 1, { ...POLICY, maxAttempts: 1 })).toEqual({ status: 'DEAD' });
  });
});
