import { DynamicModule, Module, Type } from '@nestjs/common';
import { LiveChanges } from './application/live-changes';
import { DETECTION_BACKLOG, DetectionBacklogPort, SYNC_REPORT, SyncReportPort } from './application/operations-ports';
import { OperationsReport } from './application/operations-report';
import { RecentDeadLetters } from './application/recent-dead-letters';
import { ConsoleController } from './http/console.controller';
import { ConsoleSite } from './http/console-site';
import { BrokerStateReadModel } from './persistence/broker-state.read-model';
import { ChangeWatermarksReadModel } from './persistence/change-watermarks.read-model';
import { ServiceHealthReadModel } from './persistence/service-health.read-model';

/** Where the console's operations summary reads what other features know (bound by the composition root). */
export interface ConsoleSources {
  /** The modules that provide them. */
  imports: Type[];
  /** GET /sync's report (the sync feature's use case). */
  syncReport: Type<SyncReportPort>;
  /** GET /overlaps/detection's backlog (the overlaps feature's queries). */
  detectionBacklog: Type<DetectionBacklogPort>;
}

/**
 * The analysts' console (issue #16): its files at /console/ (ConsoleSite, mounted by main.ts before the API's guard),
 * its sign-in settings, the live-update stream and the operations summary.
 */
@Module({})
export class ConsoleModule {
  static register(sources: ConsoleSources): DynamicModule {
    return {
      module: ConsoleModule,
      imports: sources.imports,
      controllers: [ConsoleController],
      providers: [
        ChangeWatermarksReadModel,
        BrokerStateReadModel,
        ServiceHealthReadModel,
        LiveChanges,
        OperationsReport,
        RecentDeadLetters,
        ConsoleSite,
        { provide: SYNC_REPORT, useExisting: sources.syncReport },
        { provide: DETECTION_BACKLOG, useExisting: sources.detectionBacklog },
      ],
      exports: [ConsoleSite, RecentDeadLetters],
    };
  }
}
