import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Inject,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { jetstream, jetstreamManager, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/nats-core';
import { CtpLogger, LOGGER, Metrics, ReadinessChecks } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { DeadLetters } from './dead-letters';
import { RecordedDeadLetters, RecordOnlyDeadLetters } from './recorded-dead-letters';
import { ConsumerBinding, DEFAULT_SERVER_OPTIONS, JetStreamServer, JetStreamServerOptions } from './jetstream.server';
import { connectNats } from './nats';
import { hasIdentity, NatsCredentials } from './nats-credentials';
import { OutboxWriter } from './outbox';
import { DEFAULT_OUTBOX_RELAY_OPTIONS, OutboxRelay, OutboxRelayOptions } from './outbox-relay';
import { DEFAULT_TOPOLOGY, ensureStreams, StreamTopology } from './provisioning';

export interface MessagingModuleOptions {
  natsUrl: string;
  /** NATS connection name, e.g. `hub-eur`. */
  connectionName: string;
  /**
   * Who the service is on NATS. With an identity the service only checks that its streams and consumers exist (an
   * administrator provisions them: `npm run nats:provision`); anonymous (a development server without
   * authentication), it creates what is missing itself.
   */
  credentials?: NatsCredentials;
  /** Create missing streams and consumers (default: only when anonymous; true for admin tools such as a rebuild). */
  provision?: boolean;
  topology?: Partial<StreamTopology>;
  /** Start the outbox relay (services that publish). */
  outbox?: Partial<OutboxRelayOptions> | false;
  /**
   * Copy dead letters to the dead-letter stream (default true). False: only record them in `inbox_dead_letters`
   * (`RecordOnlyDeadLetters`) — a rebuild, whose replay of old bad messages must not reach the live dead-letter stream.
   */
  publishDeadLetters?: boolean;
  /** Durable consumers this service reads (services that consume). */
  consumers?: ConsumerBinding[];
  server?: Partial<Omit<JetStreamServerOptions, 'consumers' | 'stream'>>;
}

export const MESSAGING_OPTIONS = Symbol('CTP_MESSAGING_OPTIONS');
export const NATS_CONNECTION = Symbol('CTP_NATS_CONNECTION');
export const JETSTREAM = Symbol('CTP_JETSTREAM');
export const JETSTREAM_MANAGER = Symbol('CTP_JETSTREAM_MANAGER');

function mayProvision(o: MessagingModuleOptions): boolean {
  return o.provision ?? !hasIdentity(o.credentials);
}

function topologyOf(options: MessagingModuleOptions): StreamTopology {
  return { ...DEFAULT_TOPOLOGY, ...options.topology };
}

@Global()
@Module({})
export class MessagingModule
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly relay: OutboxRelay,
    private readonly readiness: ReadinessChecks,
  ) {}

  static forRootAsync(options: {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    inject?: any[];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    useFactory: (...args: any[]) => MessagingModuleOptions | Promise<MessagingModuleOptions>;
  }): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        {
          provide: NATS_CONNECTION,
          inject: [MESSAGING_OPTIONS],
          useFactory: (o: MessagingModuleOptions) =>
            connectNats({ url: o.natsUrl, name: o.connectionName, credentials: o.credentials }),
        },
        { provide: JETSTREAM, inject: [NATS_CONNECTION], useFactory: (nc: NatsConnection) => jetstream(nc) },
        {
          provide: JETSTREAM_MANAGER,
          inject: [NATS_CONNECTION, MESSAGING_OPTIONS],
          useFactory: async (nc: NatsConnection, o: MessagingModuleOptions) => {
            // No account-info probe: a service identity may call only the API subjects it needs.
            const jsm = await jetstreamManager(nc, { checkAPI: false });
            await ensureStreams(jsm, topologyOf(o), { create: mayProvision(o) });
            return jsm;
          },
        },
        {
          // Dead letters recorded in inbox_dead_letters as they are sent (an event's fate, found by its identity);
          // without publishDeadLetters, only recorded (a rebuild).
          provide: RecordedDeadLetters,
          inject: [JETSTREAM, MESSAGING_OPTIONS, UnitOfWork, LOGGER],
          useFactory: (js: JetStreamClient, o: MessagingModuleOptions, uow: UnitOfWork, log: CtpLogger) =>
            new (o.publishDeadLetters === false ? RecordOnlyDeadLetters : RecordedDeadLetters)(
              js,
              topologyOf(o).deadLetterSubjectPrefix,
              uow,
              log,
            ),
        },
        { provide: DeadLetters, useExisting: RecordedDeadLetters },
        {
          provide: OutboxRelay,
          inject: [DataSource, JETSTREAM, LOGGER, Metrics, MESSAGING_OPTIONS],
          useFactory: (ds: DataSource, js: JetStreamClient, log: CtpLogger, m: Metrics, o: MessagingModuleOptions) =>
            new OutboxRelay(ds, js, log, m, {
              ...DEFAULT_OUTBOX_RELAY_OPTIONS,
              stream: topologyOf(o).eventsStream,
              ...(o.outbox || {}),
            }),
        },
        { provide: OutboxWriter, inject: [OutboxRelay], useFactory: (relay: OutboxRelay) => new OutboxWriter(relay) },
        {
          provide: JetStreamServer,
          inject: [JETSTREAM, JETSTREAM_MANAGER, UnitOfWork, DeadLetters, LOGGER, Metrics, MESSAGING_OPTIONS],
          useFactory: (
            js: JetStreamClient,
            jsm: JetStreamManager,
            uow: UnitOfWork,
            dl: DeadLetters,
            log: CtpLogger,
            m: Metrics,
            o: MessagingModuleOptions,
          ) =>
            new JetStreamServer(js, jsm, uow, dl, log, m, {
              ...DEFAULT_SERVER_OPTIONS,
              ...o.server,
              stream: topologyOf(o).eventsStream,
              consumers: o.consumers ?? [],
              provisionConsumers: mayProvision(o),
            }),
        },
      ],
      exports: [
        MESSAGING_OPTIONS,
        NATS_CONNECTION,
        JETSTREAM,
        JETSTREAM_MANAGER,
        DeadLetters,
        RecordedDeadLetters,
        OutboxRelay,
        OutboxWriter,
        JetStreamServer,
      ],
    };
  }

  onModuleInit(): void {
    this.readiness.register({
      name: 'nats',
      check: async () => {
        if (this.nc.isClosed()) throw new Error('NATS connection closed');
        await this.nc.flush();
      },
    });
    void this.watchConnection();
  }

  onApplicationBootstrap(): void {
    if (this.options.outbox !== false) this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }

  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') this.log.warn({ msg: 'NATS disconnected', server: s.server });
      else if (s.type === 'reconnect') this.log.info({ msg: 'NATS reconnected', server: s.server });
      else if (s.type === 'error') this.log.error({ msg: 'NATS error', err: String(s.error) });
    }
  }
}
