import { JetStreamApiError } from '@nats-io/jetstream';

/** JetStream's error codes for a publish refused for want of space (nats-server 2.9 `server/errors.json`). */
const STORE_FAILED = 10077; // "maximum bytes exceeded", "maximum messages exceeded", … (a stream's own limit, discard new)
const INSUFFICIENT_RESOURCES = 10047; // the server's or the account's JetStream storage is used up

/**
 * Why the broker did not take a publish, in words an operator can act on. A stream that is full (its `max_bytes` or
 * `max_msgs` reached, with `discard: new`) or a JetStream out of storage refuses every publish until space is freed:
 * the relay keeps the rows in the outbox and retries, and the line says which stream and what frees it. Anything else
 * (a time-out, no responders while the broker reconnects) is said as the client said it.
 */
export function describePublishFailure(err: unknown, stream: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof JetStreamApiError) {
    const { err_code: code, description } = err.apiError();
    if (code === STORE_FAILED && /maximum (bytes|messages)/i.test(description)) {
      return `stream ${stream} is full (${description}, JetStream ${code}): with discard new it refuses every publish until an operator raises its limit or purges what every consumer has acknowledged; the rows wait in the outbox`;
    }
    if (code === INSUFFICIENT_RESOURCES || /insufficient resources/i.test(description)) {
      return `JetStream has insufficient resources (${description}, JetStream ${code}): the storage of the server or account holding stream ${stream} is used up; the rows wait in the outbox until space is freed`;
    }
    return `${description} (JetStream ${code}, stream ${stream})`;
  }
  return message;
}
