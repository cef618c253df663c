import { as } from './auth';
import { TestDatabase } from './databases';
import { eventFor } from './events';
import { TestPublisher } from './jetstream';
import { freePort, TestNatsServer } from './nats-server';
import { ServiceProcess, waitFor } from './services';

/**
 * A platform process of its own (private nats-server, fresh database) for a test file, with what those tests do:
 * publish hub and partner events onto their subjects, wait until each is decided and duplicate detection has caught
 * up, read the HTTP API. `start()` in beforeAll, `stop()` in afterAll.
 */
export class PlatformUnderTest {
  nats!: TestNatsServer;
  publisher!: TestPublisher;
  process!: ServiceProcess;
  env!: Record<string, string>;
  readonly db: TestDatabase;

  constructor(
    dbPrefix: string,
    private readonly extraEnv: Record<string, string> = {},
  ) {
    this.db = TestDatabase.fresh(dbPrefix);
  }

  async start(): Promise<this> {
    this.nats = await TestNatsServer.start();
    this.publisher = await TestPublisher.connect(this.nats.url);
    this.env = {
      PORT: String(await freePort()),
      NATS_URL: this.nats.url,
      DATABASE_URL: this.db.url,
      ...this.extraEnv,
    };
    this.process = new ServiceProcess('platform', this.env);
    await this.process.start();
    return this;
  }

  /** Starts the platform again on the same database and broker (after `process.stop()`). */
  async restart(): Promise<void> {
    this.process = new ServiceProcess('platform', this.env);
    await this.process.start();
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    await this.publisher?.close();
    await this.nats?.stop();
    await this.db.drop();
  }

  get baseUrl(): string {
    return this.process.baseUrl;
  }

  /** GET `path` as an analyst of the General Secretariat (who may read every record, restricted ones too). */
  async get<T>(path: string): Promise<T> {
    return (await (await fetch(`${this.baseUrl}${path}`, { headers: await as.analyst() })).json()) as T;
  }

  /**
   * Publishes the events, waits until the platform has decided each one, then until duplicate detection has compared
   * every record they changed (the consumer queues them in the transaction that applies them).
   */
  async decided(events: ReturnType<typeof eventFor>[]): Promise<void> {
    await this.publisher.publishAll(events);
    for (const e of events) {
      await waitFor(`${e.event.data.initiativeId} v${e.event.data.version} decided`, async () => {
        const r = await fetch(`${this.baseUrl}/events/${encodeURIComponent(e.event.source)}/${e.event.id}`, {
          headers: await as.analyst(),
        });
        return r.status === 200 && ((await r.json()) as { outcome: string | null }).outcome !== null;
      });
    }
    await waitFor(
      'duplicate detection caught up',
      async () => (await this.get<{ queued: number }>('/overlaps/detection')).queued === 0,
    );
  }
}
