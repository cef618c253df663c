import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What one unit of work (an HTTP request, a consumed event) carries through every await. */
export interface WorkContext {
  correlationId: string;
}

const storage = new AsyncLocalStorage<WorkContext>();

export const CORRELATION_HEADER = 'x-correlation-id';

/** What a correlation id from outside (an HTTP header, a NATS header, an event's extension) may look like. */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Runs `fn` with `correlationId` when it is sane (it ends up in every log line: no control characters, no 10 kB
 * values), with a new one otherwise.
 */
export function runWithCorrelation<T>(correlationId: string | undefined, fn: () => T): T {
  const id = correlationId && CORRELATION_ID_PATTERN.test(correlationId) ? correlationId : randomUUID();
  return storage.run({ correlationId: id }, fn);
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}
