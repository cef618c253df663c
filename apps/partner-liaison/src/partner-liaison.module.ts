import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@ctp/messaging';
import { CtpLogger, ObservabilityModule } from '@ctp/observability';
import { buildDataSourceOptions, PersistenceModule } from '@ctp/persistence';
import { PartnerLiaisonConfig } from './config/partner-liaison.config';
import { PARTNER_LIAISON_MIGRATIONS } from './migrations';

/**
 * Partner organisations' activities in, and what each partner may see out. So far the service runs with its own
 * database, outbox, health and metrics; the partner registry, imports and feeds are issue #5.
 */
@Module({})
export class PartnerLiaisonModule {
  static register(config: PartnerLiaisonConfig, logger: CtpLogger): DynamicModule {
    return {
      module: PartnerLiaisonModule,
      imports: [
        ObservabilityModule.forRoot({ service: config.service, logger }),
        PersistenceModule.forRootAsync({
          useFactory: () => ({
            dataSourceOptions: buildDataSourceOptions({
              databaseUrl: config.databaseUrl,
              applicationName: config.service,
              migrations: PARTNER_LIAISON_MIGRATIONS,
            }) as never,
          }),
        }),
        MessagingModule.forRootAsync({
          useFactory: () => ({
            natsUrl: config.natsUrl,
            connectionName: config.service,
            topology: { replicas: config.natsStreamReplicas },
            outbox: { lockName: 'ctp-outbox-partner-liaison' },
          }),
        }),
      ],
    };
  }
}
