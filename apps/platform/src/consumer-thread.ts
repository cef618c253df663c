import { randomUUID } from 'node:crypto';
import { parentPort, Worker } from 'node:worker_threads';
import { NestFactory } from '@nestjs/core';
import { DeadLetterNote, DeadLetters, JetStreamServer, OutboxRelay } from '@ctp/messaging';
import { CtpLogger, HttpErrorFilter, Metrics, NestPinoLogger } from '@ctp/observability';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { PlatformConfig } from './config/platform.config';
import { PlatformModule } from './platform.module';

type ToConsumer =
  { type: 'outbox-wake' } | { type: 'metrics'; id: string } | { type: 'dead-letters'; id: string } | { type: 'stop' };
type FromConsumer =
  | { type: 'started' }
  | { type: 'failed'; error: string }
  | { type: 'metrics'; id: string; metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { type: 'dead-letters'; id: string; letters: DeadLetterNote[] }
  | { type: 'stopped' };

/**
 * The platform process's consumer thread, seen from the main thread: the JetStream consumers, the detection worker
 * and the outbox relay run there (PlatformModule in the `consumer` role), the HTTP API here. Both threads share the
 * database and NATS, not memory; they talk by messages: the main thread wakes the relay after committing outbox rows
 * (an analyst's decision) and asks for the thread's metrics to show them in GET /metrics. If the thread dies, the
 * process exits, so that whatever supervises it restarts the whole platform.
 */
export class ConsumerThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<string, (m: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  private readonly waitingLetters = new Map<string, (letters: DeadLetterNote[]) => void>();
  private stopping = false;
  private exited = false;

  constructor(
    entry: string,
    private readonly log: CtpLogger,
  ) {
    this.worker = new Worker(entry, { workerData: { role: 'consumer' } });
    this.worker.on('message', (m: FromConsumer) => {
      if (m.type === 'metrics') {
        this.waiting.get(m.id)?.(m.metrics);
        this.waiting.delete(m.id);
      } else if (m.type === 'dead-letters') {
        this.waitingLetters.get(m.id)?.(m.letters);
        this.waitingLetters.delete(m.id);
      }
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (this.stopping) return;
      this.log.fatal({ msg: 'the consumer thread stopped; exiting so the platform is restarted whole', code });
      process.exit(1);
    });
    this.worker.on('error', (err) => this.log.fatal({ msg: 'consumer thread failed', err: err.stack }));
  }

  /** Resolves once the thread's consumers run; rejects with its start-up error. */
  started(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromConsumer) => {
        if (m.type === 'started') resolve();
        else if (m.type === 'failed') reject(new Error(`consumer thread: ${m.error}`));
        else return;
        this.worker.off('message', onMessage);
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', (code) => reject(new Error(`consumer thread exited with ${code} while starting`)));
    });
  }

  wakeOutbox(): void {
    if (!this.exited) this.worker.postMessage({ type: 'outbox-wake' } satisfies ToConsumer);
  }

  /** The thread's metrics (labelled thread="consumer"); none if it does not answer within 2 s. */
  metrics(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    if (this.exited) return Promise.resolve([]);
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve([]);
      }, 2000);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.worker.postMessage({ type: 'metrics', id } satisfies ToConsumer);
    });
  }

  /** The dead letters the thread's consumers sent lately (DeadLetters.recent); none if it does not answer within 2 s. */
  recentDeadLetters(): Promise<DeadLetterNote[]> {
    if (this.exited) return Promise.resolve([]);
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waitingLetters.delete(id);
        resolve([]);
      }, 2000);
      this.waitingLetters.set(id, (letters) => {
        clearTimeout(timer);
        resolve(letters);
      });
      this.worker.postMessage({ type: 'dead-letters', id } satisfies ToConsumer);
    });
  }

  isRunning(): boolean {
    return !this.exited;
  }

  /** Asks the thread to finish its batch and close, waits for it (at most `timeoutMs`, then terminates it). */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.exited) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'stop' } satisfies ToConsumer);
    const timer = setTimeout(() => void this.worker.terminate(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

/** The consumer thread itself: the platform module in the `consumer` role, no HTTP listener. */
export async function runConsumerThread(config: PlatformConfig, logger: CtpLogger): Promise<void> {
  const port = parentPort!;
  const post = (m: FromConsumer) => port.postMessage(m);
  try {
    const app = await NestFactory.create(PlatformModule.register(config, logger, { role: 'consumer' }), {
      logger: new NestPinoLogger(logger),
      bufferLogs: false,
      // The main thread reports a failure to start (one fatal line) and exits; Nest would exit the process itself.
      abortOnError: false,
    });
    // Handler errors reach the transport untouched (HttpErrorFilter rethrows them for 'rpc'), so that it can tell a
    // permanent failure (a PostgreSQL data exception) from a transient one; Nest's default made them all one opaque
    // "Internal server error", retried five times.
    app.useGlobalFilters(new HttpErrorFilter(logger));
    app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.init();
    const relay = app.get(OutboxRelay);
    const metrics = app.get(Metrics);
    const deadLetters = app.get(DeadLetters);
    port.on('message', (m: ToConsumer) => {
      if (m.type === 'outbox-wake') relay.wake();
      else if (m.type === 'dead-letters') post({ type: 'dead-letters', id: m.id, letters: deadLetters.recent() });
      else if (m.type === 'metrics')
        void metrics.registry.getMetricsAsJSON().then((json) => post({ type: 'metrics', id: m.id, metrics: json }));
      else if (m.type === 'stop')
        void app.close().finally(() => {
          post({ type: 'stopped' });
          port.close();
        });
    });
    post({ type: 'started' });
  } catch (err) {
    post({ type: 'failed', error: (err as Error).message });
  }
}
