import { MigrationInterface, QueryRunner } from 'typeorm';

/** Outbound to partners: what they may see, their feeds, deliveries and audit. (Filled in by the outbound feature.) */
export class Outbound1764170900000 implements MigrationInterface {
  name = 'Outbound1764170900000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
