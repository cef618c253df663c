import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@ctp/messaging';
import { CtpLogger, ObservabilityModule } from '@ctp/observability';
import { buildDataSourceOptions, PersistenceModule } from '@ctp/persistence';
import { HUB_CONFIG, HubConfig } from './config/hub.config';
import { ReportInitiative } from './initiatives/application/report-initiative';
import { InitiativesController } from './initiatives/http/initiatives.controller';
import { InitiativeRepository } from './initiatives/persistence/initiative.repository';
import { HUB_MIGRATIONS } from './migrations';

@Module({})
export class HubModule {
  static register(config: HubConfig, logger: CtpLogger): DynamicModule {
    return {
      module: HubModule,
      imports: [
        ObservabilityModule.forRoot({ service: config.service, logger }),
        PersistenceModule.forRootAsync({
          useFactory: () => ({
            dataSourceOptions: buildDataSourceOptions({
              databaseUrl: config.databaseUrl,
              applicationName: config.service,
              migrations: HUB_MIGRATIONS,
            }) as never,
          }),
        }),
        MessagingModule.forRootAsync({
          useFactory: () => ({
            natsUrl: config.natsUrl,
            connectionName: config.service,
            topology: { replicas: config.natsStreamReplicas },
            outbox: { lockName: `ctp-outbox-${config.service}` },
          }),
        }),
      ],
      controllers: [InitiativesController],
      providers: [{ provide: HUB_CONFIG, useValue: config }, InitiativeRepository, ReportInitiative],
    };
  }
}
