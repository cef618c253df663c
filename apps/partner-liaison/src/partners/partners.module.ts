import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ImportPartnerCsv } from './application/import-partner-csv';
import { PartnerChanges } from './application/partner-changes';
import { PartnerInitiativeChanges } from './application/partner-initiative-changes';
import { PartnerInitiativeQueries } from './application/partner-initiative-queries';
import { PartnerRegistry } from './application/partner-registry';
import { RecordPartnerInitiative } from './application/record-partner-initiative';
import { ReplacePartnerInitiative } from './application/replace-partner-initiative';
import { WithdrawPartnerInitiative } from './application/withdraw-partner-initiative';
import { CsvBodyMiddleware } from './http/csv-body.middleware';
import { IMPORT_PATH, PartnerInitiativesController } from './http/partner-initiatives.controller';
import { PartnersController } from './http/partners.controller';
import { PartnerInitiativeRepository } from './persistence/partner-initiative.repository';
import { PartnerRepository } from './persistence/partner.repository';

/** The partner registry and partners' activities coming in (JSON snapshots, CSV with HXL hashtags). */
@Module({
  controllers: [PartnersController, PartnerInitiativesController],
  providers: [
    PartnerRepository,
    PartnerInitiativeRepository,
    PartnerRegistry,
    PartnerInitiativeChanges,
    RecordPartnerInitiative,
    ReplacePartnerInitiative,
    WithdrawPartnerInitiative,
    ImportPartnerCsv,
    PartnerInitiativeQueries,
    // What is done to partners, announced: outbound subscribes and audits it next to what was sent.
    PartnerChanges,
  ],
  exports: [PartnerRegistry, PartnerChanges],
})
export class PartnersModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // The CSV import only: every other route reads JSON through the application's parser.
    consumer.apply(CsvBodyMiddleware).forRoutes({ path: `partners/${IMPORT_PATH}`, method: RequestMethod.POST });
  }
}
