/*
 * Server-Sent Events framing (WHATWG HTML, "Server-sent events"): a message is `field: value` lines ended by a blank
 * line; a line starting with `:` is a comment, which clients ignore (a keep-alive). A value may not hold a line break:
 * the event names here are fixed words and the data is JSON (JSON.stringify escapes line breaks inside strings).
 */

const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** `event: <name>` and `data: <json>`, then the blank line that dispatches it. */
export function sseEvent(name: string, data: unknown): string {
  if (!EVENT_NAME.test(name)) throw new Error(`not an event name: ${JSON.stringify(name)}`);
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line (ignored by clients; keeps proxies and the connection from timing out). */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** How long a client that uses EventSource waits before reconnecting (a fetch() reader decides for itself). */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

/** The comment sent every KEEP_ALIVE_MS while a stream is open. */
export const KEEP_ALIVE = sseComment('keep-alive');
export const KEEP_ALIVE_MS = 15_000;
