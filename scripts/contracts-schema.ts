/**
 * `npm run contracts:schema`: writes the contract's artefacts for teams that do not use NestJS, generated from
 * libs/contracts (the class-validator classes and the AsyncAPI catalogue):
 *
 *   libs/contracts/schema/ctp-initiative-event.v1.schema.json   initiative events (envelope and ctp:initiative:v1)
 *   libs/contracts/schema/<message>.v1.schema.json              every other message (SCHEMA_FILES)
 *   libs/contracts/asyncapi.yaml                                every channel (scripts/asyncapi.ts)
 *
 * CI checks that the committed files are up to date (contracts-schema.spec.ts, asyncapi.spec.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initiativeEventJsonSchema, SCHEMA_FILES, standaloneSchema } from '@ctp/contracts';
import { ASYNCAPI_PATH, renderAsyncApi, repoRoot } from './asyncapi';

export const SCHEMA_DIR = join(repoRoot(), 'libs', 'contracts', 'schema');
export const SCHEMA_PATH = join(SCHEMA_DIR, 'ctp-initiative-event.v1.schema.json');

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function renderSchema(): string {
  return json(initiativeEventJsonSchema());
}

/** Every schema file: its path and its content. */
export function renderSchemas(): { path: string; content: string }[] {
  return [
    { path: SCHEMA_PATH, content: renderSchema() },
    ...SCHEMA_FILES.map((f) => ({ path: join(SCHEMA_DIR, f.file), content: json(standaloneSchema(f)) })),
  ];
}

function main(): void {
  for (const { path, content } of renderSchemas()) {
    writeFileSync(path, content);
    process.stdout.write(`wrote ${path}\n`);
  }
  writeFileSync(ASYNCAPI_PATH, renderAsyncApi());
  process.stdout.write(`wrote ${ASYNCAPI_PATH}\n`);
}

if (require.main === module) main();
