import { performance } from 'node:perf_hooks';

/**
 * Gives the event loop a turn every `sliceMs` of synchronous work, so that a long detection loop (tens of thousands
 * of comparisons) does not hold HTTP requests — GET /rollups, health checks — for its whole length. Loops call
 * `due()` (cheap, synchronous) and await `pause()` only when it says so: an `await` per iteration would cost more
 * than the work.
 */
export class TimeSlicer {
  private last = performance.now();
  private calls = 0;

  constructor(private readonly sliceMs = 4) {}

  due(): boolean {
    // The clock is read every 32 calls only.
    return (++this.calls & 31) === 0 && performance.now() - this.last >= this.sliceMs;
  }

  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
