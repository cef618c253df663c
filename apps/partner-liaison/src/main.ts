import 'reflect-metadata';
import { bootstrapService, exitOnStartupFailure } from '@ctp/http';
import { createLogger } from '@ctp/observability';
import { loadPartnerLiaisonConfig } from './config/partner-liaison.config';
import { PartnerLiaisonModule } from './partner-liaison.module';

async function main(): Promise<void> {
  const config = loadPartnerLiaisonConfig();
  const logger = createLogger(config.service, config.logLevel);
  for (const note of config.webhooks?.startupNotes ?? []) logger.warn({ msg: note });
  await bootstrapService(PartnerLiaisonModule.register(config, logger), {
    service: config.service,
    title: 'CTP partner liaison',
    description: "Partner organisations' activities in, and only what each partner may see out.",
    port: config.port,
    logger,
    consume: true,
  }).catch(exitOnStartupFailure(config.service, logger));
}

main().catch(exitOnStartupFailure('partner-liaison', undefined));
