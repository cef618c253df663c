import { Module } from '@nestjs/common';
import { PLATFORM_CONFIG, PlatformConfig } from '../config/platform.config';
import { RegistryModule } from '../registry/registry.module';
import { CandidateCache } from './application/candidate-cache';
import { DecideOverlap } from './application/decide-overlap';
import { DetectOverlaps } from './application/detect-overlaps';
import { DetectionIntake } from './application/detection-intake';
import { DetectionWorker } from './application/detection-worker';
import { OverlapChanges } from './application/overlap-changes';
import { OverlapsController } from './http/overlaps.controller';
import { OverlapRepository } from './persistence/overlap.repository';

/** Duplicates and overlaps: follows the registry's changes, detects, takes analysts' decisions, announces changes. */
@Module({
  imports: [RegistryModule],
  controllers: [OverlapsController],
  providers: [
    OverlapRepository,
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
  ],
  exports: [OverlapChanges],
})
export class OverlapsModule {}
