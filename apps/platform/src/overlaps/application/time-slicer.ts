import { performance } from 'node:perf_hooks';

/**
 * Gives the event loop a turn every `sliceMs` of synchronous work, so that a long detection loop (tens of thousands
 * of comparisons) does not hold HTTP requests — GET /rollups, health checks — for its whole length.
 */
export class TimeSlicer {
  private last = performance.now();

  constructor(private readonly sliceMs = 4) {}

  async pause(): Promise<void> {
    if (performance.now() - this.last < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
