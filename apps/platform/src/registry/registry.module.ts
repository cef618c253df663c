import { Module } from '@nestjs/common';
import { ApplyInitiativeEvents } from './application/apply-initiative-events';
import { RegistryChanges } from './application/registry-changes';
import { RegistryQueries } from './application/registry-queries';
import { RegistryController } from './http/registry.controller';
import { InitiativeEventsHandler } from './messaging/initiative-events.handler';
import { RegistryRepository } from './persistence/registry.repository';

/** The global registry: applies hub and partner initiative events, serves the records, announces what it applied. */
@Module({
  controllers: [RegistryController, InitiativeEventsHandler],
  providers: [RegistryRepository, RegistryQueries, ApplyInitiativeEvents, RegistryChanges],
  exports: [RegistryChanges],
})
export class RegistryModule {}
