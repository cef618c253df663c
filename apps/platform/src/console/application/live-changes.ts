import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { CtpLogger, LOGGER, Metrics } from '@ctp/observability';
import { Gauge } from 'prom-client';
import { PLATFORM_CONFIG, PlatformConfig } from '../../config/platform.config';
import { StreamCapacityReached, TooManyStreams } from '../../platform-errors';
import { WatermarkTracker } from '../domain/change-watermarks';
import { KEEP_ALIVE, KEEP_ALIVE_MS, sseComment, sseEvent } from '../domain/server-sent-events';
import { ChangeReadings, ChangeWatermarksReadModel } from '../persistence/change-watermarks.read-model';

/** What the console's pages are told changed: they fetch again what they show, with their own token. */
export const CHANGE_EVENTS = ['rollups', 'pairs', 'registry'] as const;
export type ChangeEvent = (typeof CHANGE_EVENTS)[number];

/** Where a stream's text goes (the HTTP response), and how it is ended. */
export interface StreamSink {
  /** false: the client has not read what was sent before (its buffer is full); the stream is then closed. */
  write(chunk: string): boolean;
  end(): void;
}

export interface OpenStream {
  /** Leaves (the client went away, its token expired): idempotent. */
  close(): void;
}

/** What a stream is opened with besides its sink. */
export interface StreamOptions {
  /** End the stream this many ms from now (its token expires then; the client reconnects with a fresh one). */
  expiresInMs?: number;
}

/** What ends a stream whose token expired, before its end. */
export const TOKEN_EXPIRED = sseComment('token expired: reconnect with a fresh one');

interface Stream {
  identity: string;
  sink: StreamSink;
  /** Ends it when its token expires; cleared whenever the stream is removed, however that happens. */
  expiry?: NodeJS.Timeout;
}

/** How long a transaction may take to commit and still be noticed (change-watermarks.ts): detection runs are long. */
const PAIRS_LAG_MS = 60_000;
/** Consumer batches are short transactions. */
const REGISTRY_LAG_MS = 10_000;

/**
 * GET /console/stream's one poller per process: while at least one stream is open it reads the database's change
 * marks every CONSOLE_STREAM_POLL_MS (one statement, whatever the number of clients) and tells every open stream what
 * changed — `rollups`, `pairs`, `registry`, each `{"at": "<iso>"}`, no record data —, with a `: keep-alive` comment
 * every 15 s. Streams are capped per identity (429) and in all (503). A stream opened with an expiry ends then (its
 * token's). At shutdown every stream is ended, so that the HTTP server can close. However a stream goes — closed by
 * its client, dropped for not reading, expired, shut down — its slot and its expiry timer go with it.
 */
@Injectable()
export class LiveChanges implements BeforeApplicationShutdown {
  private readonly streams = new Set<Stream>();
  private readonly perIdentity = new Map<string, number>();
  private readonly trackers: Record<ChangeEvent, WatermarkTracker>;
  private pollTimer?: NodeJS.Timeout;
  private keepAliveTimer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private failures = 0;
  private closing = false;
  /** Incremented when the poller stops: a reading started before belongs to no current session. */
  private session = 0;
  private readonly gauge: Gauge;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly watermarks: ChangeWatermarksReadModel,
    @Inject(LOGGER) private readonly log: CtpLogger,
    metrics: Metrics,
  ) {
    const pollMs = config.console.streamPollMs;
    this.trackers = {
      rollups: new WatermarkTracker(1),
      pairs: new WatermarkTracker(Math.ceil(PAIRS_LAG_MS / pollMs)),
      registry: new WatermarkTracker(Math.ceil(REGISTRY_LAG_MS / pollMs)),
    };
    const name = 'ctp_console_streams';
    this.gauge =
      (metrics.registry.getSingleMetric(name) as Gauge | undefined) ??
      new Gauge({
        name,
        help: 'Console live-update streams (GET /console/stream) open now',
        registers: [metrics.registry],
      });
  }

  /**
   * Opens a stream for `identity` (token org and sub), ended after `expiresInMs` if given; throws TooManyStreams or
   * StreamCapacityReached.
   */
  open(identity: string, sink: StreamSink, options: StreamOptions = {}): OpenStream {
    const { streamMaxPerIdentity, streamMaxTotal } = this.config.console;
    const mine = this.perIdentity.get(identity) ?? 0;
    if (mine >= streamMaxPerIdentity) throw new TooManyStreams(streamMaxPerIdentity);
    if (this.closing || this.streams.size >= streamMaxTotal) throw new StreamCapacityReached(streamMaxTotal);
    const stream: Stream = { identity, sink };
    if (options.expiresInMs !== undefined) {
      stream.expiry = setTimeout(() => this.end(stream, TOKEN_EXPIRED), Math.max(0, options.expiresInMs));
      stream.expiry.unref();
    }
    this.streams.add(stream);
    this.perIdentity.set(identity, mine + 1);
    this.gauge.set(this.streams.size);
    if (this.streams.size === 1) this.start();
    return { close: () => this.remove(stream) };
  }

  /** Open streams now (all, or of one identity). */
  count(identity?: string): number {
    return identity === undefined ? this.streams.size : (this.perIdentity.get(identity) ?? 0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const s of [...this.streams]) this.end(s);
    await this.polling;
  }

  /** Removes a stream and ends its response, with `last` written first if it can be. */
  private end(stream: Stream, last?: string): void {
    this.remove(stream);
    if (last !== undefined) {
      try {
        stream.sink.write(last);
      } catch {
        // the socket is gone: ended below all the same
      }
    }
    stream.sink.end();
  }

  private remove(stream: Stream): void {
    clearTimeout(stream.expiry);
    stream.expiry = undefined;
    if (!this.streams.delete(stream)) return;
    const left = (this.perIdentity.get(stream.identity) ?? 1) - 1;
    if (left > 0) this.perIdentity.set(stream.identity, left);
    else this.perIdentity.delete(stream.identity);
    this.gauge.set(this.streams.size);
    if (this.streams.size === 0) this.stop();
  }

  /** The first stream opened: a baseline reading at once, then a reading every poll interval. */
  private start(): void {
    this.keepAliveTimer = setInterval(() => this.broadcast(KEEP_ALIVE), KEEP_ALIVE_MS);
    this.keepAliveTimer.unref();
    this.schedule(0);
  }

  /** The last stream closed: nothing is read until the next one opens (its first reading is a new baseline). */
  private stop(): void {
    this.session++;
    clearInterval(this.keepAliveTimer);
    clearTimeout(this.pollTimer);
    this.keepAliveTimer = undefined;
    this.pollTimer = undefined;
    for (const t of Object.values(this.trackers)) t.reset();
  }

  private schedule(delayMs: number): void {
    const session = this.session;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      const run: Promise<void> = this.poll(session).finally(() => {
        if (this.polling === run) this.polling = undefined;
        if (session === this.session && this.streams.size > 0) this.schedule(this.config.console.streamPollMs);
      });
      this.polling = run;
    }, delayMs);
    this.pollTimer.unref();
  }

  private async poll(session: number): Promise<void> {
    let readings: ChangeReadings;
    try {
      readings = await this.watermarks.read({
        pairs: this.trackers.pairs.floors(),
        registry: this.trackers.registry.floors(),
      });
    } catch (err) {
      this.failures++;
      if (this.failures === 1 || this.failures % 20 === 0)
        this.log.warn({
          msg: 'console stream: change marks not read',
          err: (err as Error).message,
          failures: this.failures,
        });
      return;
    }
    if (this.failures > 0) this.log.info({ msg: 'console stream: change marks read again', failures: this.failures });
    this.failures = 0;
    // Stopped while reading (the last stream closed): the trackers were reset, this reading belongs to no session.
    if (session !== this.session) return;
    const at = new Date().toISOString();
    for (const event of CHANGE_EVENTS) {
      if (this.trackers[event].observe(readings[event])) this.broadcast(sseEvent(event, { at }));
    }
  }

  private broadcast(chunk: string): void {
    for (const s of [...this.streams]) {
      let written = false;
      try {
        written = s.sink.write(chunk);
      } catch {
        // the socket is gone: closed below
      }
      if (!written) this.end(s);
    }
  }
}
