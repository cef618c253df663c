import { AuthModule, requireAuth } from '@ctp/auth';
import { DynamicModule, Module } from '@nestjs/common';
import { ConsumerBinding, MessagingModule, OutboxWriter } from '@ctp/messaging';
import { CtpLogger, ObservabilityModule } from '@ctp/observability';
import { buildDataSourceOptions, PersistenceModule } from '@ctp/persistence';
import { PLATFORM_CONFIG, PlatformConfig } from './config/platform.config';
import { PLATFORM_ROLE, PlatformRole } from './platform-role';
import { ShutdownHooks } from './shutdown-hooks';
import { PLATFORM_MIGRATIONS } from './migrations';
import { ApplyInitiativeEvents } from './registry/application/apply-initiative-events';
import { RegistryController } from './registry/http/registry.controller';
import { RegistryQueries } from './registry/application/registry-queries';
import { EventOutcomesController } from './events/http/event-outcomes.controller';
import { RollupQueries } from './rollups/application/rollup-queries';
import { RollupPublisher } from './rollups/application/rollup-publisher';
import { RollupsController } from './rollups/http/rollups.controller';
import { OverlapRepository } from './overlaps/persistence/overlap.repository';
import { DetectOverlaps } from './overlaps/application/detect-overlaps';
import { DetectionWorker } from './overlaps/application/detection-worker';
import { CandidateCache } from './overlaps/application/candidate-cache';
import { DecideOverlap } from './overlaps/application/decide-overlap';
import { OverlapsController } from './overlaps/http/overlaps.controller';
import { SourceDigests } from './sync/application/source-digests';
import { RepairSource } from './sync/application/repair-source';
import { DigestHandler } from './sync/messaging/digest.handler';
import { SyncController } from './sync/http/sync.controller';
import { InitiativeEventsHandler } from './registry/messaging/initiative-events.handler';
import { PLATFORM_CONSUMERS } from './platform-consumers';
import { RegistryRepository } from './registry/persistence/registry.repository';

export { PLATFORM_CONSUMERS };

export interface PlatformRunOptions {
  role?: PlatformRole;
  /** In the api role: wakes the consumer thread's outbox relay after this thread committed outbox rows. */
  wakeOutbox?: () => void;
  /** Durable consumers to read with (a rebuild uses its own, so the live ones are not disturbed). */
  consumers?: ConsumerBinding[];
  /** Relay the outbox to NATS (a rebuild publishes nothing). */
  publish?: boolean;
  /** Create its streams and consumers whatever the identity (a rebuild, run as admin, makes its own consumers). */
  provision?: boolean;
}

@Module({})
export class PlatformModule {
  static register(config: PlatformConfig, logger: CtpLogger, run: PlatformRunOptions = {}): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        // The api role serves HTTP: tokens required. The consumer thread and a rebuild serve none.
        ...(run.role === 'api' || config.auth
          ? [AuthModule.forRoot({ config: requireAuth(config.auth, config.service) })]
          : []),
        ObservabilityModule.forRoot({
          service: config.service,
          logger,
          metricLabels: run.role === 'consumer' ? { thread: 'consumer' } : undefined,
        }),
        PersistenceModule.forRootAsync({
          useFactory: () => ({
            dataSourceOptions: buildDataSourceOptions({
              databaseUrl: config.databaseUrl,
              applicationName: config.service,
              migrations: PLATFORM_MIGRATIONS,
            }) as never,
          }),
        }),
        MessagingModule.forRootAsync({
          useFactory: () => ({
            natsUrl: config.natsUrl,
            credentials: config.natsCredentials,
            provision: run.provision,
            connectionName: config.service,
            topology: { replicas: config.natsStreamReplicas },
            // In the api role the consumer thread relays: this thread's OutboxWriter wakes it (below).
            outbox: run.publish === false || run.role === 'api' ? false : { lockName: 'ctp-outbox-platform' },
            consumers: run.consumers ?? PLATFORM_CONSUMERS,
            server: {
              maxBatch: config.maxBatch,
              ackWaitMs: config.ackWaitMs,
              maxDeliver: config.maxDeliver,
              lingerMs: config.lingerMs,
              concurrentBatches: config.concurrentBatches,
            },
          }),
        }),
      ],
      controllers: [
        RegistryController,
        EventOutcomesController,
        RollupsController,
        OverlapsController,
        SyncController,
        DigestHandler,
        InitiativeEventsHandler,
      ],
      providers: [
        { provide: PLATFORM_CONFIG, useValue: config },
        { provide: PLATFORM_ROLE, useValue: run.role ?? 'all' },
        ShutdownHooks,
        ...(run.role === 'api'
          ? [{ provide: OutboxWriter, useValue: new OutboxWriter({ wake: run.wakeOutbox ?? (() => undefined) }) }]
          : []),
        RegistryRepository,
        RegistryQueries,
        ApplyInitiativeEvents,
        RollupQueries,
        RollupPublisher,
        OverlapRepository,
        DetectOverlaps,
        DetectionWorker,
        {
          provide: CandidateCache,
          useFactory: (c: PlatformConfig) => new CandidateCache(c.detectionCacheSize),
          inject: [PLATFORM_CONFIG],
        },
        DecideOverlap,
        SourceDigests,
        RepairSource,
      ],
    };
  }
}
