/**
 * `npm run contracts:schema`: writes the JSON Schema of initiative events (the CloudEvents envelope and its
 * ctp:initiative:v1 snapshot), generated from the class-validator classes in libs/contracts, for teams that do not use
 * NestJS. CI checks that the committed file is up to date.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initiativeEventJsonSchema } from '@ctp/contracts';

export const SCHEMA_PATH = join(__dirname, '../../libs/contracts/schema/ctp-initiative-event.v1.schema.json');

export function renderSchema(): string {
  return `${JSON.stringify(initiativeEventJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_PATH, renderSchema());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
