import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from '@nats-io/nats-core';
import { NATS_CONNECTION, OutboxWriter, SyncSource } from '@ctp/messaging';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { HUB_CONFIG, HubConfig } from '../config/hub.config';

/**
 * The hub's side of reconciliation with the platform: a digest of the table `initiatives`, all of it this hub's, on
 * `ctp.hub.<region>.sync.digest.v1`; answers on `ctp-sync.hub.<region>.*`.
 */
@Injectable()
export class HubSync extends SyncSource {
  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(LOGGER) log: CtpLogger,
    unitOfWork: UnitOfWork,
    outbox: OutboxWriter,
  ) {
    super({
      table: 'initiatives',
      scopes: () => Promise.resolve([{ source: config.source }]),
      requestKeys: `hub.${config.region}`,
      settings: config,
      nc,
      unitOfWork,
      log,
      outbox,
    });
  }
}
