import { AuthModule, requireAuth } from '@ctp/auth';
import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@ctp/messaging';
import { CtpLogger, ObservabilityModule } from '@ctp/observability';
import { PersistenceModule } from '@ctp/persistence';
import { PARTNER_LIAISON_CONFIG, PartnerLiaisonConfig } from './config/partner-liaison.config';
import { WEBHOOK_SECURITY_CONFIG } from './config/webhook-security.config';
import { PARTNER_LIAISON_MIGRATIONS } from './migrations';
import { OutboundModule } from './outbound/outbound.module';
import { PartnersModule } from './partners/partners.module';
import { PartnerSync } from './sync/partner-sync';
import { LIAISON_CONSUMERS } from './liaison-consumers';
import { DestinationGuard } from './webhooks/destination-guard';
import { WebhookSecrets } from './webhooks/webhook-secrets';

export { LIAISON_CONSUMERS };

/** Partner organisations' activities in, and what each partner may see out. */
@Module({})
export class PartnerLiaisonModule {
  static register(config: PartnerLiaisonConfig, logger: CtpLogger): DynamicModule {
    if (!config.webhooks) throw new Error('partner-liaison serves partners: it needs its webhook settings');
    return {
      module: PartnerLiaisonModule,
      global: true,
      imports: [
        ObservabilityModule.forRoot({ service: config.service, logger }),
        AuthModule.forRoot({ config: requireAuth(config.auth, config.service) }),
        PersistenceModule.forService({
          databaseUrl: config.databaseUrl,
          applicationName: config.service,
          migrations: PARTNER_LIAISON_MIGRATIONS,
        }),
        MessagingModule.forRootAsync({
          useFactory: () => ({
            natsUrl: config.natsUrl,
            credentials: config.natsCredentials,
            connectionName: config.service,
            topology: { replicas: config.natsStreamReplicas },
            outbox: { lockName: 'ctp-outbox-partner-liaison' },
            consumers: LIAISON_CONSUMERS,
          }),
        }),
        PartnersModule,
        OutboundModule,
      ],
      providers: [
        { provide: PARTNER_LIAISON_CONFIG, useValue: config },
        { provide: WEBHOOK_SECURITY_CONFIG, useValue: config.webhooks },
        WebhookSecrets,
        DestinationGuard,
        PartnerSync,
      ],
      exports: [PARTNER_LIAISON_CONFIG, WEBHOOK_SECURITY_CONFIG, WebhookSecrets, DestinationGuard],
    };
  }
}
