import { DynamicModule, Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { HealthController, ReadinessChecks } from './health';
import { HttpLoggingMiddleware } from './http-logging.middleware';
import { CtpLogger } from './logger';
import { Metrics } from './metrics';
import { LOGGER, SERVICE_NAME } from './tokens';

export interface ObservabilityOptions {
  /** Process name in every log line and metric, e.g. `hub-eur`. */
  service: string;
  logger: CtpLogger;
  /** Labels on every metric besides `service` (e.g. `thread` when one service runs in two threads). */
  metricLabels?: Record<string, string>;
}

@Global()
@Module({})
export class ObservabilityModule implements NestModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_NAME, useValue: options.service },
        { provide: LOGGER, useValue: options.logger },
        { provide: Metrics, useValue: new Metrics(options.service, options.metricLabels) },
        ReadinessChecks,
        HttpLoggingMiddleware,
      ],
      exports: [SERVICE_NAME, LOGGER, Metrics, ReadinessChecks],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpLoggingMiddleware).forRoutes('*');
  }
}
