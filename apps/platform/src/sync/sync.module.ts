import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { CheckSourceDigest } from './application/check-source-digest';
import { RefusalIntake } from './application/refusal-intake';
import { RepairSource } from './application/repair-source';
import { SyncStatus } from './application/sync-status';
import { SyncController } from './http/sync.controller';
import { DigestHandler } from './messaging/digest.handler';
import { RefusedRecords } from './persistence/refused-records';
import { SourceDigests } from './persistence/source-digests';
import { SourceRecordsReadModel } from './persistence/source-records.read-model';
import { SyncSources } from './persistence/sync-sources';

/**
 * Reconciliation: sources' digests compared with the registry, repairs asked for, the versions the registry refused
 * for their content remembered (it announces them), `GET /sync`.
 */
@Module({
  imports: [RegistryModule],
  controllers: [SyncController, DigestHandler],
  providers: [
    SourceDigests,
    RefusedRecords,
    SyncSources,
    SourceRecordsReadModel,
    RefusalIntake,
    CheckSourceDigest,
    RepairSource,
    SyncStatus,
  ],
  // GET /sync's report, also read by the console's operations summary (bound in platform.module.ts).
  exports: [SyncStatus],
})
export class SyncModule {}
