/**
 * Live updates: GET /console/stream (Server-Sent Events) read with fetch(), since EventSource cannot send the
 * Authorization header. Events say only what changed (`rollups`, `pairs`, `registry`); each page re-fetches what it
 * shows with its own token. Reconnects with backoff; after a reconnection a `resync` event tells every page to
 * re-fetch (it may have missed events). The backoff starts again from its shortest delay only after a stream that
 * lasted: one the server ends at once, again and again, is asked for less and less often (each reconnection makes every
 * page re-fetch). A stream silent for longer than three keep-alives is dropped and reopened.
 */
import { reconnectDelayMs, SseParser, type SseEvent } from './lib/sse';

/** `forbidden`: the stream refused this sign-in (403: it may not read the registry, e.g. an operator): not retried. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped' | 'forbidden';
export type LiveEventName = 'rollups' | 'pairs' | 'registry' | 'resync';

const STREAM_PATH = '/console/stream';
/** The server sends `: keep-alive` every 15 s. */
const SILENCE_LIMIT_MS = 45_000;
/** A stream that lasted this long was a working connection: the next reconnection waits the shortest delay again. */
export const STABLE_STREAM_MS = 5_000;

export class LiveStream {
  private listeners = new Map<string, Set<(e: SseEvent) => void>>();
  private statusListeners = new Set<(s: LiveStatus) => void>();
  private controller: AbortController | undefined;
  private stopped = true;
  /** Bumped by start(): a loop of an earlier start ends when it sees a newer one. */
  private generation = 0;
  status: LiveStatus = 'stopped';

  constructor(
    private readonly accessToken: () => string | undefined,
    private readonly onUnauthorized: () => void,
  ) {}

  on(event: LiveEventName, fn: (e: SseEvent) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(fn);
    this.listeners.set(event, set);
    return () => set.delete(fn);
  }

  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run(++this.generation);
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    this.setStatus('stopped');
  }

  private setStatus(s: LiveStatus): void {
    if (this.status === s) return;
    this.status = s;
    for (const fn of this.statusListeners) fn(s);
  }

  private emit(e: SseEvent): void {
    for (const fn of this.listeners.get(e.event) ?? []) fn(e);
  }

  private async run(generation: number): Promise<void> {
    const current = () => !this.stopped && generation === this.generation;
    let attempt = 0;
    let connectedBefore = false;
    let end: LiveStatus = 'stopped';
    while (current()) {
      this.setStatus(connectedBefore ? 'reconnecting' : 'connecting');
      const controller = new AbortController();
      this.controller = controller;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      let connectedAt: number | undefined;
      const feed = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), SILENCE_LIMIT_MS);
      };
      try {
        const token = this.accessToken();
        if (!token) break;
        feed();
        const res = await fetch(STREAM_PATH, {
          headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
          cache: 'no-store',
          credentials: 'omit',
          signal: controller.signal,
        });
        if (res.status === 401) {
          this.onUnauthorized();
          break;
        }
        if (res.status === 403) {
          // Asking again would be refused again, every few seconds, for as long as the page is open.
          end = 'forbidden';
          break;
        }
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        this.setStatus('live');
        if (connectedBefore) this.emit({ event: 'resync', data: '', id: '' });
        connectedBefore = true;
        connectedAt = Date.now();
        const parser = new SseParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          feed();
          for (const event of parser.push(value)) this.emit(event);
        }
        parser.end();
      } catch {
        // Network error, abort or a bad answer: reconnect below (unless stopped).
      } finally {
        clearTimeout(watchdog);
      }
      if (!current()) return;
      // Not after every connection: a stream that ends at once (a token the server no longer takes for a stream, a
      // proxy cutting it) would otherwise be reopened every second, each time making every page fetch again.
      if (connectedAt !== undefined && Date.now() - connectedAt >= STABLE_STREAM_MS) attempt = 0;
      this.setStatus('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(attempt++)));
    }
    if (current()) {
      this.stopped = true;
      this.setStatus(end);
    }
  }
}
