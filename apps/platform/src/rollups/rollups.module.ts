import { Module } from '@nestjs/common';
import { OverlapsModule } from '../overlaps/overlaps.module';
import { RegistryModule } from '../registry/registry.module';
import { RollupPublisher } from './application/rollup-publisher';
import { RollupQueries } from './application/rollup-queries';
import { RollupTriggers } from './application/rollup-triggers';
import { RollupsController } from './http/rollups.controller';
import { PublicationRepository } from './persistence/publication.repository';
import { RollupReadModel } from './persistence/rollup.read-model';

/** Rollups: counts at read time; publishes them when the registry's or the overlaps' announced changes move them. */
@Module({
  imports: [RegistryModule, OverlapsModule],
  controllers: [RollupsController],
  providers: [RollupReadModel, RollupQueries, PublicationRepository, RollupPublisher, RollupTriggers],
})
export class RollupsModule {}
