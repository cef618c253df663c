import { AuthModule, requireAuth } from '@ctp/auth';
import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@ctp/messaging';
import { CtpLogger, ObservabilityModule } from '@ctp/observability';
import { PersistenceModule } from '@ctp/persistence';
import { HUB_CONFIG, HubConfig } from './config/hub.config';
import { InitiativeChanges } from './initiatives/application/initiative-changes';
import { InitiativeQueries } from './initiatives/application/initiative-queries';
import { ReplaceInitiative } from './initiatives/application/replace-initiative';
import { ReportInitiative } from './initiatives/application/report-initiative';
import { UpsertInitiative } from './initiatives/application/upsert-initiative';
import { WithdrawInitiative } from './initiatives/application/withdraw-initiative';
import { InitiativesController } from './initiatives/http/initiatives.controller';
import { RollupController } from './initiatives/http/rollup.controller';
import { IntakeHandler } from './initiatives/messaging/intake.handler';
import { IntakeResponder } from './initiatives/messaging/intake.responder';
import { intakeBinding, intakeStream } from './initiatives/messaging/intake-subjects';
import { InitiativeRepository } from './initiatives/persistence/initiative.repository';
import { HUB_MIGRATIONS } from './migrations';
import { IdempotencyKeyExpiry } from './initiatives/application/idempotency-key-expiry';
import { HubSync } from './sync/hub-sync';
import { StreamRecovery } from './sync/stream-recovery';
import { RecoveryRepository } from './sync/recovery.repository';

@Module({})
export class HubModule {
  static register(config: HubConfig, logger: CtpLogger): DynamicModule {
    return {
      module: HubModule,
      imports: [
        ObservabilityModule.forRoot({ service: config.service, logger }),
        AuthModule.forRoot({ config: requireAuth(config.auth, config.service), ownOrg: config.orgRef }),
        PersistenceModule.forService({
          databaseUrl: config.databaseUrl,
          applicationName: config.service,
          migrations: HUB_MIGRATIONS,
        }),
        MessagingModule.forRootAsync({
          useFactory: () => ({
            natsUrl: config.natsUrl,
            credentials: config.natsCredentials,
            connectionName: config.service,
            topology: { replicas: config.natsStreamReplicas, extraStreams: [intakeStream(config.natsStreamReplicas)] },
            outbox: { lockName: `ctp-outbox-${config.service}`, lingerMs: config.outboxLingerMs },
            consumers: [intakeBinding(config.region)],
          }),
        }),
      ],
      controllers: [InitiativesController, RollupController, IntakeHandler],
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        InitiativeRepository,
        InitiativeChanges,
        InitiativeQueries,
        ReportInitiative,
        ReplaceInitiative,
        WithdrawInitiative,
        UpsertInitiative,
        IntakeResponder,
        IdempotencyKeyExpiry,
        HubSync,
        StreamRecovery,
        RecoveryRepository,
      ],
    };
  }
}
