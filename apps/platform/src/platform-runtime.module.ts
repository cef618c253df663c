import { DynamicModule, Global, Module } from '@nestjs/common';
import { OutboxWriter } from '@ctp/messaging';
import { PLATFORM_CONFIG, PlatformConfig } from './config/platform.config';
import { DiscardingOutboxWriter, PLATFORM_OUTBOX, PLATFORM_PUBLISHES } from './platform-outbox';
import { PLATFORM_ROLE, PlatformRole } from './platform-role';

/** How this instance of the platform runs, for every feature module: its settings, its role and its outbox writer. */
@Global()
@Module({})
export class PlatformRuntimeModule {
  static register(
    config: PlatformConfig,
    role: PlatformRole,
    wakeOutbox?: () => void,
    /** false: a rebuild, which publishes nothing (its outbox writer appends nothing). */
    publish = true,
  ): DynamicModule {
    return {
      module: PlatformRuntimeModule,
      providers: [
        { provide: PLATFORM_CONFIG, useValue: config },
        { provide: PLATFORM_ROLE, useValue: role },
        { provide: PLATFORM_PUBLISHES, useValue: publish },
        {
          provide: PLATFORM_OUTBOX,
          inject: [OutboxWriter],
          // In the api role the consumer thread relays: this thread's writer wakes it.
          useFactory: (writer: OutboxWriter) =>
            !publish
              ? new DiscardingOutboxWriter()
              : role === 'api'
                ? new OutboxWriter({ wake: wakeOutbox ?? (() => undefined) })
                : writer,
        },
      ],
      exports: [PLATFORM_CONFIG, PLATFORM_ROLE, PLATFORM_OUTBOX, PLATFORM_PUBLISHES],
    };
  }
}
