import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { renderSchema } from './contracts-schema';

const committed = join(__dirname, '../libs/contracts/schema/ctp-initiative-event.v1.schema.json');

describe('the committed JSON Schema', () => {
  it('is what `npm run contracts:schema` generates from the contract classes (run it after changing them)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(renderSchema());
  });

  it('is a valid draft-07 schema that ajv compiles', () => {
    const ajv = new Ajv({ strict: false });
    addFormats(ajv);
    expect(() => ajv.compile(JSON.parse(renderSchema()))).not.toThrow();
  });
});
