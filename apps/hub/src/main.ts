import 'reflect-metadata';
import { bootstrapService, exitOnStartupFailure } from '@ctp/http';
import { initiativeSchemas } from '@ctp/contracts';
import { createLogger } from '@ctp/observability';
import { loadHubConfig } from './config/hub.config';
import { HubModule } from './hub.module';

async function main(): Promise<void> {
  const config = loadHubConfig();
  const logger = createLogger(config.service, config.logLevel);
  await bootstrapService(HubModule.register(config, logger), {
    service: config.service,
    title: `CTP regional hub (${config.orgRef})`,
    description:
      'Regional hub systems report initiatives here (REST, or NATS: see the README); every accepted change is stored and published as exactly one event.',
    port: config.port,
    logger,
    consume: true,
    openApiSchemas: initiativeSchemas(),
  }).catch(exitOnStartupFailure(config.service, logger));
}

main().catch(exitOnStartupFailure('hub', undefined));
