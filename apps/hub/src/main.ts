import 'reflect-metadata';
import { bootstrapService, exitOnStartupFailure } from '@ctp/messaging';
import { createLogger } from '@ctp/observability';
import { loadHubConfig } from './config/hub.config';
import { HubModule } from './hub.module';

async function main(): Promise<void> {
  const config = loadHubConfig();
  const logger = createLogger(config.service, config.logLevel);
  await bootstrapService(HubModule.register(config, logger), {
    service: config.service,
    title: `CTP regional hub (${config.orgRef})`,
    description: 'Regional hub systems report initiatives here; every accepted change is published as an event.',
    port: config.port,
    logger,
    consume: false,
  }).catch(exitOnStartupFailure(config.service, logger));
}

main().catch(exitOnStartupFailure('hub', undefined));
