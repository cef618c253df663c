import { ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FromChild, ToChild } from './protocol';

/** One process of the floor (relay or consumer), run from dist/ with its output in a file and an IPC channel. */
export class FloorProcess {
  private proc?: ChildProcess;
  private readonly listeners = new Set<(msg: FromChild) => void>();
  private exitInfo?: string;
  readonly logFile: string;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly env: Record<string, string>,
    logDir: string,
    private readonly execArgv: string[] = [],
  ) {
    this.logFile = join(logDir, `${name}-${process.pid}-${Date.now()}.log`);
  }

  get pid(): number | undefined {
    const p = this.proc;
    return p && p.exitCode === null && p.signalCode === null ? p.pid : undefined;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const out = openSync(this.logFile, 'a');
    try {
      this.proc = fork(this.script, [], {
        env: { PATH: process.env.PATH ?? '', ...this.env },
        stdio: ['ignore', out, out, 'ipc'],
        execArgv: this.execArgv,
      });
    } finally {
      closeSync(out);
    }
    this.proc.on('message', (m: FromChild) => {
      for (const l of [...this.listeners]) l(m);
    });
    this.proc.once('exit', (code, signal) => {
      this.exitInfo = `${this.name} exited (${signal ?? code})`;
      for (const l of [...this.listeners]) l({ type: 'fatal', message: this.exitInfo });
    });
    await this.next('ready', timeoutMs);
  }

  /** Sends the paced command and waits for its report. */
  async runPaced(cmd: Extract<ToChild, { type: 'paced' }>, timeoutMs: number) {
    const done = this.next('paced-done', timeoutMs);
    this.proc?.send(cmd);
    return (await done) as Extract<FromChild, { type: 'paced-done' }>;
  }

  private next(type: FromChild['type'], timeoutMs: number): Promise<FromChild> {
    if (this.exitInfo) return Promise.reject(new Error(`${this.exitInfo}: ${this.tail()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`${this.name}: no '${type}' after ${timeoutMs} ms: ${this.tail()}`));
      }, timeoutMs);
      const listener = (m: FromChild) => {
        if (m.type !== type && m.type !== 'fatal') return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (m.type === 'fatal') reject(new Error(`${this.name} failed: ${m.message}`));
        else resolve(m);
      };
      this.listeners.add(listener);
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  tail(chars = 1500): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  }
}
