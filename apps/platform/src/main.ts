import 'reflect-metadata';
import { isMainThread, workerData } from 'node:worker_threads';
import { bootstrapService, exitOnStartupFailure } from '@ctp/http';
import { createLogger, Metrics, ReadinessChecks } from '@ctp/observability';
import { loadPlatformConfig } from './config/platform.config';
import { RecentDeadLetters } from './console/application/recent-dead-letters';
import { ConsoleSite } from './console/http/console-site';
import { ConsumerThread, runConsumerThread } from './consumer-thread';
import { PlatformModule } from './platform.module';
import { ShutdownHooks } from './shutdown-hooks';

/**
 * The platform process: the HTTP API in the main thread, the consumers and duplicate detection in a worker thread
 * (see ConsumerThread), started once the main thread has applied the migrations, before it listens.
 */
async function main(): Promise<void> {
  const config = loadPlatformConfig();
  const logger = createLogger(config.service, config.logLevel);
  let consumer: ConsumerThread | undefined;
  const module = PlatformModule.register(config, logger, {
    role: 'api',
    wakeOutbox: () => consumer?.wakeOutbox(),
  });
  await bootstrapService(module, {
    service: config.service,
    title: 'CTP central platform (IP-GS-CTP)',
    description: 'The global registry of initiatives reported by every hub and partner.',
    port: config.port,
    logger,
    consume: false,
    // The analysts' console at /console/: its files before the API's guard, with its own Content-Security-Policy.
    web: (app) => [app.get(ConsoleSite).mount()],
    beforeListen: async (app) => {
      const thread = new ConsumerThread(__filename, logger.child({ thread: 'main' }));
      consumer = thread;
      await thread.started();
      app.get(Metrics).addExternal(() => thread.metrics());
      app.get(RecentDeadLetters).addSource(() => thread.recentDeadLetters());
      app.get(ReadinessChecks).register({
        name: 'consumer-thread',
        check: async () => {
          if (!thread.isRunning()) throw new Error('the consumer thread is not running');
        },
      });
      app.get(ShutdownHooks).add(() => thread.stop());
    },
  }).catch(exitOnStartupFailure(config.service, logger));
}

if (isMainThread) main().catch(exitOnStartupFailure('platform', undefined));
else if ((workerData as { role?: string } | null)?.role === 'consumer') {
  const config = loadPlatformConfig();
  void runConsumerThread(config, createLogger(config.service, config.logLevel).child({ thread: 'consumer' }));
}
