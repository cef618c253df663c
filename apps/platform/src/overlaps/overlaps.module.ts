import { Module } from '@nestjs/common';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { PLATFORM_CONFIG, PlatformConfig } from '../config/platform.config';
import { RegistryModule } from '../registry/registry.module';
import { ActiveMatchingModel } from './application/active-matching-model';
import { CandidateCache } from './application/candidate-cache';
import { DecideOverlap } from './application/decide-overlap';
import { DetectOverlaps } from './application/detect-overlaps';
import { DetectionIntake } from './application/detection-intake';
import { DetectionWorker } from './application/detection-worker';
import { OverlapChanges } from './application/overlap-changes';
import { OverlapQueries } from './application/overlap-queries';
import { OverlapsController } from './http/overlaps.controller';
import { MatchingModelRepository } from './persistence/matching-model.repository';
import { OverlapRepository } from './persistence/overlap.repository';
import { PairRecordsReadModel } from './persistence/pair-records.read-model';

/** Duplicates and overlaps: follows the registry's changes, detects, takes analysts' decisions, announces changes. */
@Module({
  imports: [RegistryModule],
  controllers: [OverlapsController],
  providers: [
    OverlapRepository,
    PairRecordsReadModel,
    MatchingModelRepository,
    {
      provide: ActiveMatchingModel,
      useFactory: (repository: MatchingModelRepository, log: CtpLogger, c: PlatformConfig) =>
        new ActiveMatchingModel(repository, log, c.matchingModelRefreshMs),
      inject: [MatchingModelRepository, LOGGER, PLATFORM_CONFIG],
    },
    OverlapChanges,
    DetectOverlaps,
    DetectionWorker,
    DetectionIntake,
    {
      provide: CandidateCache,
      useFactory: (c: PlatformConfig) => new CandidateCache(c.detectionCacheSize),
      inject: [PLATFORM_CONFIG],
    },
    DecideOverlap,
    OverlapQueries,
  ],
  // OverlapQueries: detection's backlog, also read by the console's operations summary (bound in platform.module.ts).
  exports: [OverlapChanges, OverlapQueries],
})
export class OverlapsModule {}
