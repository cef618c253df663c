import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { NATS_CONNECTION } from './messaging.module';
import { OutboxWriter } from './outbox';
import { SyncSource, SyncSourceOptions } from './sync-source';

/** What an owner says of its records for reconciliation; the connection, log, unit of work and outbox are wired here. */
export type SyncSourceDescription = Pick<
  SyncSourceOptions,
  'table' | 'ownerColumn' | 'scopes' | 'requestKeys' | 'settings'
>;

/**
 * The owner's side of reconciliation as a Nest provider (token `SyncSource`): `describe` reads the service's
 * configuration (injected by `configToken`) and names the table, the sources and the request subjects it answers.
 */
export function syncSourceProvider<C>(
  configToken: InjectionToken,
  describe: (config: C) => SyncSourceDescription,
): FactoryProvider<SyncSource> {
  return {
    provide: SyncSource,
    inject: [configToken, NATS_CONNECTION, LOGGER, UnitOfWork, OutboxWriter],
    useFactory: (config: C, nc: NatsConnection, log: CtpLogger, unitOfWork: UnitOfWork, outbox: OutboxWriter) =>
      new SyncSource({ ...describe(config), nc, log, unitOfWork, outbox }),
  };
}
