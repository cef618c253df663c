import 'reflect-metadata';
import { bootstrapService, exitOnStartupFailure } from '@ctp/messaging';
import { createLogger } from '@ctp/observability';
import { loadPlatformConfig } from './config/platform.config';
import { PlatformModule } from './platform.module';

async function main(): Promise<void> {
  const config = loadPlatformConfig();
  const logger = createLogger(config.service, config.logLevel);
  await bootstrapService(PlatformModule.register(config, logger), {
    service: config.service,
    title: 'CTP central platform (IP-GS-CTP)',
    description: 'The global registry of initiatives reported by every hub and partner.',
    port: config.port,
    logger,
    consume: true,
  }).catch(exitOnStartupFailure(config.service, logger));
}

main().catch(exitOnStartupFailure('platform', undefined));
