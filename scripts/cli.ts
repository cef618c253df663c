/**
 * What every operator tool in scripts/ shares: the command line (node:util parseArgs, strict), `--help`, the exit
 * codes, and a progress reporter for long work. A tool declares its usage text and a `run(argv)`; `runTool` answers
 * `--help`/`-h` with the usage (exit 0) before anything else is done, and turns what `run` throws into an exit code:
 *
 *   0  done
 *   1  failed (or, for a comparison, the two differ)
 *   2  bad arguments: the usage goes to stderr
 *   3  cannot connect: NATS or PostgreSQL not reachable, or the login refused
 */
import { parseArgs, ParseArgsConfig } from 'node:util';

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/**
 * The exit-code paragraph of a tool's --help; `failed` says what 1 means for this tool, `connects: false` leaves out
 * 3 for a tool that connects to nothing.
 */
export function exitCodesHelp(failed = 'failed', options: { connects?: boolean } = {}): string {
  return [
    'Exit codes:',
    '  0  done',
    `  1  ${failed}`,
    '  2  bad arguments (the usage is printed)',
    ...(options.connects === false
      ? []
      : ['  3  cannot connect: NATS or PostgreSQL not reachable, or the login refused']),
  ].join('\n');
}

/** A command line that is wrong: exit 2, with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** NATS or PostgreSQL could not be reached, or refused the login: exit 3. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/** `--help` and `-h`, for every tool's options. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** Whether the command line asks for help (before a `--` that ends the options). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** parseArgs, strict, on `argv`; what it refuses becomes a UsageError. */
export function parseCommandLine<T extends ParseArgsConfig>(argv: readonly string[], config: T) {
  try {
    return parseArgs<T>({ ...config, args: [...argv], strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A duration such as 90s, 30m, 2h, 7d, in milliseconds (undefined when the text is not one). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** One line for an error: an AggregateError (every address refused) has an empty message of its own. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const reasons = err instanceof AggregateError ? err.errors.map((e: Error) => e.message) : [];
  return [err.message, ...reasons].filter(Boolean).join('; ').replace(/\s+/g, ' ') || String(err);
}

/** Node's codes for a connection that could not be made. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);

/**
 * Whether `err` (or its cause, or one of an AggregateError's errors) is a connection that could not be made: refused,
 * host unknown or unreachable, PostgreSQL's login refused (SQLSTATE class 28) or no such database (3D000), NATS's
 * connection or authorization errors. For tools that do not wrap their connections in `connecting`.
 */
export function cannotConnect(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (CONNECT_CODES.has(e.code) || /^28[0-9A-Z]{3}$/.test(e.code) || e.code === '3D000'))
    return true;
  if (e.name === 'ConnectionError' || e.name === 'AuthorizationError') return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => cannotConnect(x, depth + 1))) return true;
  return cannotConnect(e.cause, depth + 1);
}

/**
 * Runs `attempt` (a connection, or the first thing that needs one); whatever it throws becomes an UnreachableError
 * (exit 3), worded by `describe` if given.
 */
export async function connecting<T>(attempt: () => Promise<T>, describe?: (err: unknown) => string): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    throw new UnreachableError(describe ? describe(err) : errorText(err), { cause: err });
  }
}

export interface ToolIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const PROCESS_IO: ToolIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * Runs a tool: `--help` prints `usage` and returns 0 without calling `run`; a UsageError returns 2 (the message and
 * the usage on stderr), an UnreachableError (or an error `cannotConnect` recognises) 3, any other error 1; otherwise
 * what `run` returns.
 */
export async function runTool(
  name: string,
  usage: string,
  argv: readonly string[],
  run: (argv: readonly string[]) => Promise<number> | number,
  io: ToolIo = PROCESS_IO,
): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(`${usage}\n`);
    return EXIT.ok;
  }
  try {
    return await run(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${name}: ${err.message}\n\n${usage}\n`);
      return EXIT.usage;
    }
    io.stderr(`${name}: ${errorText(err)}\n`);
    return err instanceof UnreachableError || cannotConnect(err) ? EXIT.unreachable : EXIT.failed;
  }
}

/**
 * `runTool` for a script's `require.main === module`: sets the exit code, or exits at once with it when `exit` (a
 * tool whose connections or timers may outlive its work).
 */
export function main(
  name: string,
  usage: string,
  run: (argv: readonly string[]) => Promise<number> | number,
  options: { exit?: boolean } = {},
): void {
  void runTool(name, usage, process.argv.slice(2), run).then((code) => {
    if (options.exit) process.exit(code);
    process.exitCode = code;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Progress

/** Items per second, from `done` items in `elapsedMs` (0 before any time has passed). */
export function ratePerSecond(done: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
}

/** Time left at `rate` items per second for what is left of `total` (undefined when unknown: no total, no rate). */
export function etaMs(done: number, total: number | undefined, rate: number): number | undefined {
  if (total === undefined) return undefined;
  if (done >= total) return 0;
  if (!(rate > 0)) return undefined;
  return ((total - done) / rate) * 1000;
}

/** 850ms → "0s", 42s, 3m05s, 1h02m, 2d03h. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

function formatRate(rate: number): string {
  return rate >= 100 ? String(Math.round(rate)) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

/**
 * "replaying CTP_EVENTS: 1200/5000 events (24%), 300/s, ETA 13s"; without a total "…: 1200 events, 300/s, 4s so far";
 * finished "…: 5000/5000 events (100%), 300/s, took 17s".
 */
export function progressText(p: {
  label: string;
  done: number;
  total?: number;
  unit?: string;
  elapsedMs: number;
  finished?: boolean;
}): string {
  const rate = ratePerSecond(p.done, p.elapsedMs);
  const unit = p.unit ? ` ${p.unit}` : '';
  const count =
    p.total === undefined
      ? `${p.done}${unit}`
      : `${p.done}/${p.total}${unit} (${p.total > 0 ? Math.floor((Math.min(p.done, p.total) * 100) / p.total) : 100}%)`;
  const eta = etaMs(p.done, p.total, rate);
  const time = p.finished
    ? `took ${formatDuration(p.elapsedMs)}`
    : eta === undefined
      ? `${formatDuration(p.elapsedMs)} so far`
      : `ETA ${formatDuration(eta)}`;
  return `${p.label}: ${count}, ${formatRate(rate)}/s, ${time}`;
}

export interface ProgressStream {
  isTTY?: boolean;
  /** A terminal's width: the redrawn line is cut to it (a wrapped line cannot be redrawn in place). */
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** What is being done: "replaying CTP_EVENTS". */
  label: string;
  /** What is counted: "events". */
  unit?: string;
  /** How many in all, when known (can be raised later by `update`). */
  total?: number;
  /** Where it goes: stderr by default (stdout carries a tool's results). */
  stream?: ProgressStream;
  /** The clock (tests). */
  now?: () => number;
  /** Not a terminal: one plain line at the start, then at most every this many ms (5000). */
  lineEveryMs?: number;
  /** A terminal: the single line is redrawn at most every this many ms (100). */
  redrawEveryMs?: number;
  /** Nothing at all for work that ends within this many ms (0): no lines about a handful of messages. */
  quietForMs?: number;
}

/**
 * Counts, rate and ETA of long work. On a terminal: one line redrawn in place (carriage return, erase to the end of
 * the line), and a newline when finished. Otherwise (a pipe, a log file): a plain line at the start, then one every
 * few seconds, and one when finished.
 */
export class Progress {
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly startedAt: number;
  private lastWriteAt?: number;
  private written = false;
  private done = 0;
  private total?: number;
  private finished = false;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? Date.now;
    this.tty = this.stream.isTTY === true;
    this.startedAt = this.now();
    this.total = options.total;
  }

  /** `done` so far (of `total`, if it is now known or larger). Writes when a line is due. */
  update(done: number, total?: number): void {
    if (this.finished) return;
    this.done = done;
    if (total !== undefined) this.total = total;
    const now = this.now();
    if (now - this.startedAt < (this.options.quietForMs ?? 0)) return;
    const every = this.tty ? (this.options.redrawEveryMs ?? 100) : (this.options.lineEveryMs ?? 5000);
    if (this.lastWriteAt === undefined || now - this.lastWriteAt >= every) this.write(now);
  }

  /** One more done (or `n`). */
  add(n = 1): void {
    this.update(this.done + n);
  }

  /** The last line, always written (with `note` after it, e.g. "done" or "interrupted"). */
  finish(note?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.written && this.now() - this.startedAt < (this.options.quietForMs ?? 0)) return;
    this.write(this.now(), note, true);
    if (this.tty) this.stream.write('\n');
  }

  text(now = this.now(), finished = false): string {
    return progressText({
      label: this.options.label,
      done: this.done,
      total: this.total,
      unit: this.options.unit,
      elapsedMs: now - this.startedAt,
      finished,
    });
  }

  private write(now: number, note?: string, finished = false): void {
    this.lastWriteAt = now;
    this.written = true;
    const text = this.text(now, finished);
    const line = note ? `${text} — ${note}` : text;
    const width = this.stream.columns;
    this.stream.write(this.tty ? `\r${width && width > 1 ? line.slice(0, width - 1) : line}\x1b[K` : `${line}\n`);
  }
}
