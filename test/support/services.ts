import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { authEnv } from './auth';

/** The repository root, whether this file runs from test/support (jest) or from dist/test/support (the bench). */
export const ROOT = existsSync(resolve(__dirname, '../../package.json'))
  ? resolve(__dirname, '../..')
  : resolve(__dirname, '../../..');
const LOG_DIR = join(ROOT, '.tmp', 'test-logs');

/** The services started so far, by base URL: how a helper finds which service (hub of which region, …) a URL is. */
const STARTED = new Map<string, ServiceProcess>();

/** The service this process started at the origin of `url`, if any. */
export function serviceAt(url: string): ServiceProcess | undefined {
  return STARTED.get(new URL(url).origin);
}

const ENTRY: Record<string, string> = {
  hub: 'dist/apps/hub/src/main.js',
  platform: 'dist/apps/platform/src/main.js',
  'partner-liaison': 'dist/apps/partner-liaison/src/main.js',
};

/** One real service process, built by `npm run build`, with its JSON logs kept in a file the test can read. */
export class ServiceProcess {
  private proc?: ChildProcess;
  readonly logFile: string;

  constructor(
    readonly app: 'hub' | 'platform' | 'partner-liaison',
    readonly env: Record<string, string>,
    readonly name: string = app,
    logDir: string = LOG_DIR,
  ) {
    mkdirSync(logDir, { recursive: true });
    this.logFile = join(logDir, `${name}-${process.pid}-${Date.now()}.log`);
  }

  /** The service's own process id (it runs `node main.js` directly), while it runs. */
  get pid(): number | undefined {
    const p = this.proc;
    return p && p.exitCode === null && p.signalCode === null ? p.pid : undefined;
  }

  get port(): number {
    return Number(this.env.PORT);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    // The tests' token issuer unless the test names another (tests of refusals do).
    const auth = await authEnv();
    STARTED.set(this.baseUrl, this);
    // The child writes its stdout and stderr straight into the log file: nothing passes through this process.
    const out = openSync(this.logFile, 'a');
    try {
      this.proc = spawn(process.execPath, [join(ROOT, ENTRY[this.app])], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...auth, ...this.env },
        stdio: ['ignore', out, out],
      });
    } finally {
      closeSync(out);
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`${this.name} exited at start: ${this.logs().slice(-2000)}`);
      try {
        const res = await fetch(`${this.baseUrl}/health/ready`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms: ${this.logs().slice(-2000)}`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  }

  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }

  logs(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The service's JSON log lines (non-JSON lines are skipped). */
  logLines(): Record<string, unknown>[] {
    return this.logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
