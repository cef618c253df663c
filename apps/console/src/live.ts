/**
 * Live updates: GET /console/stream (Server-Sent Events) read with fetch(), since EventSource cannot send the
 * Authorization header. Events say only what changed (`rollups`, `pairs`, `registry`); each page re-fetches what it
 * shows with its own token. Reconnects with backoff; after a reconnection a `resync` event tells every page to
 * re-fetch (it may have missed events). A stream silent for longer than three keep-alives is dropped and reopened.
 */
import { reconnectDelayMs, SseParser, type SseEvent } from './lib/sse';

/** `forbidden`: the stream refused this sign-in (403: it may not read the registry, e.g. an operator): not retried. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped' | 'forbidden';
export type LiveEventName = 'rollups' | 'pairs' | 'registry' | 'resync';

const STREAM_PATH = '/console/stream';
/** The server sends `: keep-alive` every 15 s. */
const SILENCE_LIMIT_MS = 45_000;

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
        attempt = 0;
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
      this.setStatus('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(attempt++)));
    }
    if (current()) {
      this.stopped = true;
      this.setStatus(end);
    }
  }
}
