import { Module } from '@nestjs/common';
import { RepairSource } from './application/repair-source';
import { SourceDigests } from './application/source-digests';
import { SyncController } from './http/sync.controller';
import { DigestHandler } from './messaging/digest.handler';

/** Reconciliation: sources' digests compared with the registry, repairs asked for, `GET /sync`. */
@Module({
  controllers: [SyncController, DigestHandler],
  providers: [SourceDigests, RepairSource],
})
export class SyncModule {}
