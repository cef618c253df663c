import { redeliveryDelayMs } from './backoff';

/** `random() * 2 - 1` is 0 at 0.5: no jitter, so the result is the bare exponential. */
const noJitter = () => 0.5;
const lowest = () => 0;
const highest = () => 1;

describe('redeliveryDelayMs', () => {
  describe('grows exponentially from baseMs (defaults 500 / 30 000)', () => {
    it.each([
      [1, 500],
      [2, 1000],
      [3, 2000],
      [4, 4000],
      [5, 8000],
      [6, 16000],
    ])('delivery %i waits %i ms', (deliveryCount, expected) => {
      expect(redeliveryDelayMs(deliveryCount, undefined, undefined, noJitter)).toBe(expected);
    });

    it.each([0, -1, -100])('treats delivery count %i like the first delivery', (deliveryCount) => {
      expect(redeliveryDelayMs(deliveryCount, 500, 30_000, noJitter)).toBe(500);
    });

    it('doubles from a custom base', () => {
      const delays = [1, 2, 3, 4].map((n) => redeliveryDelayMs(n, 100, 1_000_000, noJitter));
      expect(delays).toEqual([100, 200, 400, 800]);
    });
  });

  describe('is capped at maxMs', () => {
    it.each([
      [7, 30_000], // 32 000 before the cap
      [8, 30_000],
      [50, 30_000],
      [5000, 30_000], // 2 ** 4999 is Infinity
    ])('delivery %i waits %i ms', (deliveryCount, expected) => {
      expect(redeliveryDelayMs(deliveryCount, 500, 30_000, noJitter)).toBe(expected);
    });

    it.each([
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
      [5, 1000],
      [6, 1000],
    ])('with base 100 and max 1000, delivery %i waits %i ms', (deliveryCount, expected) => {
      expect(redeliveryDelayMs(deliveryCount, 100, 1000, noJitter)).toBe(expected);
    });

    it('never exceeds the cap, even with the highest jitter', () => {
      for (let n = 1; n <= 30; n++) {
        expect(redeliveryDelayMs(n, 500, 30_000, highest)).toBeLessThanOrEqual(30_000);
      }
    });

    it('caps the very first delivery when maxMs is below baseMs', () => {
      expect(redeliveryDelayMs(1, 500, 100, noJitter)).toBe(100);
      expect(redeliveryDelayMs(1, 500, 100, highest)).toBe(100);
    });
  });

  describe('jitter is ±20%', () => {
    it.each([
      // deliveryCount, random, expected
      [1, lowest, 400],
      [1, highest, 600],
      [1, () => 0.25, 450],
      [1, () => 0.75, 550],
      [3, lowest, 1600],
      [3, highest, 2400],
      [6, lowest, 12_800],
      [6, highest, 19_200],
      // at the cap, jitter can only take time off: +20% would exceed maxMs
      [7, lowest, 24_000],
      [7, highest, 30_000],
    ])('delivery %i with random=%p waits %i ms', (deliveryCount, random, expected) => {
      expect(redeliveryDelayMs(deliveryCount, 500, 30_000, random)).toBe(expected);
    });

    it('stays within [0.8, 1.2] × the exponential (and under the cap) for any random value', () => {
      const samples = [0, 0.001, 0.1, 0.333, 0.5, 0.666, 0.9, 0.999, 0.999999];
      for (let n = 1; n <= 12; n++) {
        const exp = Math.min(30_000, 500 * 2 ** (n - 1));
        for (const r of samples) {
          const delay = redeliveryDelayMs(n, 500, 30_000, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(exp * 0.8));
          expect(delay).toBeLessThanOrEqual(Math.min(30_000, Math.ceil(exp * 1.2)));
        }
      }
    });

    it('spreads a burst: different random values give different delays', () => {
      const delays = new Set([0, 0.2, 0.4, 0.6, 0.8].map((r) => redeliveryDelayMs(4, 500, 30_000, () => r)));
      expect(delays.size).toBe(5);
    });

    it('is never negative', () => {
      expect(redeliveryDelayMs(1, 0, 30_000, lowest)).toBe(0);
      expect(redeliveryDelayMs(1, 1, 30_000, lowest)).toBeGreaterThanOrEqual(0);
    });

    it('uses Math.random when no random source is given', () => {
      const spy = jest.spyOn(Math, 'random').mockReturnValue(0);
      try {
        expect(redeliveryDelayMs(2)).toBe(800);
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
    });
  });
});
