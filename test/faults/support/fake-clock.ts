import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's `libfaketime` package puts the library (FAKETIME_LIB to change it). */
const CANDIDATES = [
  process.env.FAKETIME_LIB,
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
].filter((p): p is string => Boolean(p));

/**
 * A wall clock for one service process, moved while it runs: libfaketime (Debian's `faketime` package) preloaded into
 * the process reads its offset from a file, at every reading of the clock (`FAKETIME_NO_CACHE=1`: with libfaketime
 * 0.9.10's cache, a process was seen to keep an offset for minutes after the file changed). Only the wall clock
 * moves (`Date`, `clock_gettime(CLOCK_REALTIME)`); the monotonic clock does not (`FAKETIME_DONT_FAKE_MONOTONIC=1`), so
 * the service's timers, time-outs and back-offs run as on a machine whose NTP stepped its clock.
 */
export class FakeClock {
  /** A setting takes effect within this long. */
  static readonly SETTLE_MS = 300;
  private readonly dir = mkdtempSync(join(tmpdir(), 'ctp-faketime-'));
  readonly file = join(this.dir, 'offset');
  offsetMs = 0;

  private constructor(readonly library: string) {
    writeFileSync(this.file, '+0\n');
  }

  static create(): FakeClock {
    const library = CANDIDATES.find((p) => existsSync(p));
    if (!library) {
      throw new Error(
        `libfaketime not found (looked at ${CANDIDATES.join(', ')}): install Debian's faketime package (.ci/run does) or set FAKETIME_LIB`,
      );
    }
    return new FakeClock(library);
  }

  /** The environment that makes a process read its clock from here. */
  env(): Record<string, string> {
    return {
      LD_PRELOAD: this.library,
      FAKETIME_TIMESTAMP_FILE: this.file,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };
  }

  /** The process's wall clock this far from the real one from now on (whole seconds; negative: behind). */
  set(offsetMs: number): void {
    this.offsetMs = offsetMs;
    const s = Math.round(offsetMs / 1000);
    // Replaced whole, so that the process never reads a file half written.
    writeFileSync(`${this.file}.next`, `${s >= 0 ? '+' : '-'}${Math.abs(s)}\n`);
    renameSync(`${this.file}.next`, this.file);
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
