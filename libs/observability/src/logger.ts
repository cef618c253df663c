import { LoggerService } from '@nestjs/common';
import pino, { Logger, LevelWithSilent } from 'pino';
import { currentCorrelationId } from './correlation';

export type CtpLogger = Logger;

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * One JSON line per meaningful event. `service` names the process (e.g. `hub-eur`) so that lines from all services
 * can be merged and still followed by `correlationId` / `initiativeId`.
 */
export function createLogger(service: string, level: LevelWithSilent = 'info'): CtpLogger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const correlationId = currentCorrelationId();
        return correlationId ? { correlationId } : {};
      },
    },
    stdout(),
  );
}

/** Lines are written when 4 KiB are waiting, every 100 ms, and at exit. */
export const LOG_FLUSH_MS = 100;
let shared: ReturnType<typeof pino.destination> | undefined;

/**
 * Standard output, buffered: one write per few lines instead of one per line. Under load a write per line (two per
 * request, one per event) cost a hub more CPU than its database round trip, each one waking the reader of the pipe.
 * One buffer per process (or worker thread), flushed at least every LOG_FLUSH_MS and when the process exits.
 */
function stdout(): ReturnType<typeof pino.destination> {
  if (shared) return shared;
  const destination = pino.destination({ dest: 1, sync: true, minLength: 4096 });
  setInterval(() => destination.flush(), LOG_FLUSH_MS).unref();
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // stdout is gone: nothing left to do.
    }
  });
  shared = destination;
  return destination;
}

/** Nest's own messages (bootstrap, route mapping, uncaught errors) go through the same JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: CtpLogger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    // Nest's ExceptionHandler reports an error thrown while the application is created; our services create it with
    // abortOnError: false, so the same error reaches exitOnStartupFailure, which says it once as the fatal line.
    if (context === 'ExceptionHandler' || (trace === 'ExceptionHandler' && context === undefined)) return;
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
