import { AuthModule, requireAuth } from '@ctp/auth';
import { DynamicModule, Module } from '@nestjs/common';
import { ConsumerBinding, MessagingModule } from '@ctp/messaging';
import { CtpLogger, ObservabilityModule } from '@ctp/observability';
import { PersistenceModule } from '@ctp/persistence';
import { PlatformConfig } from './config/platform.config';
import { PlatformRole } from './platform-role';
import { PlatformRuntimeModule } from './platform-runtime.module';
import { ShutdownHooks } from './shutdown-hooks';
import { PLATFORM_MIGRATIONS } from './migrations';
import { PLATFORM_CONSUMERS } from './platform-consumers';
import { RegistryModule } from './registry/registry.module';
import { OverlapsModule } from './overlaps/overlaps.module';
import { RollupsModule } from './rollups/rollups.module';
import { SyncModule } from './sync/sync.module';
import { EventsModule } from './events/events.module';
import { ConsoleModule } from './console/console.module';
// The ports the console reads through, bound here to the features that answer them (console.module.ts).
import { SyncStatus } from './sync/application/sync-status';
import { OverlapQueries } from './overlaps/application/overlap-queries';

export { PLATFORM_CONSUMERS };

export interface PlatformRunOptions {
  role?: PlatformRole;
  /** In the api role: wakes the consumer thread's outbox relay after this thread committed outbox rows. */
  wakeOutbox?: () => void;
  /** Durable consumers to read with (a rebuild uses its own, so the live ones are not disturbed). */
  consumers?: ConsumerBinding[];
  /**
   * Publish to NATS: relay the outbox, copy dead letters to the dead-letter stream (false: a rebuild publishes nothing;
   * its dead letters are only recorded in its own database).
   */
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
        PersistenceModule.forService({
          databaseUrl: config.databaseUrl,
          applicationName: config.service,
          migrations: PLATFORM_MIGRATIONS,
        }),
        MessagingModule.forRootAsync({
          useFactory: () => ({
            natsUrl: config.natsUrl,
            credentials: config.natsCredentials,
            provision: run.provision,
            connectionName: config.service,
            topology: { replicas: config.natsStreamReplicas },
            // In the api role the consumer thread relays: this thread's writer wakes it (PlatformRuntimeModule).
            outbox: run.publish === false || run.role === 'api' ? false : { lockName: 'ctp-outbox-platform' },
            publishDeadLetters: run.publish !== false,
            consumers: run.consumers ?? PLATFORM_CONSUMERS,
            server: {
              maxBatch: config.maxBatch,
              ackWaitMs: config.ackWaitMs,
              maxDeliver: config.maxDeliver,
              lingerMs: config.lingerMs,
              concurrentBatches: config.concurrentBatches,
              // The live consumers' positions, kept to rewind them after a restore of this database (not a rebuild's).
              trackPositions: run.consumers === undefined,
            },
          }),
        }),
        PlatformRuntimeModule.register(config, run.role ?? 'all', run.wakeOutbox, run.publish !== false),
        RegistryModule,
        OverlapsModule,
        RollupsModule,
        SyncModule,
        EventsModule,
        ConsoleModule.register({
          imports: [SyncModule, OverlapsModule],
          syncReport: SyncStatus,
          detectionBacklog: OverlapQueries,
        }),
      ],
      providers: [ShutdownHooks],
    };
  }
}
