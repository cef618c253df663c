import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { asyncApiExamples, checkInitiativeSnapshot, contractSchemas } from '@ctp/contracts';
import { renderSchema, renderSchemas, SCHEMA_DIR, SCHEMA_PATH } from './contracts-schema';

const compile = (schema: unknown) => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema as object);
};

describe('the committed JSON Schemas (libs/contracts/schema/)', () => {
  it('the initiative event’s is what `npm run contracts:schema` generates from the contract classes', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderSchema());
  });

  it('are each what `npm run contracts:schema` generates (run it after changing the contract classes)', () => {
    for (const { path, content } of renderSchemas()) {
      expect([basename(path), readFileSync(path, 'utf8')]).toEqual([basename(path), content]);
    }
  });

  it('are no more than the generator writes (a file left behind would be a stale contract)', () => {
    const written = renderSchemas().map((s) => basename(s.path));
    expect(readdirSync(SCHEMA_DIR).sort()).toEqual(written.sort());
  });

  it.each(renderSchemas().map((s) => [basename(s.path), s.content]))(
    '%s is a valid draft-07 schema that ajv compiles, its references resolved',
    (_file, content) => {
      const schema = JSON.parse(content);
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(() => compile(schema)).not.toThrow();
    },
  );

  it('are closed exactly where CTP’s consumers refuse unknown fields: the snapshot and the intake bodies', () => {
    const schemas = contractSchemas('#/definitions/');
    const closed = Object.entries(schemas)
      .filter(([, s]) => s.additionalProperties === false)
      .map(([name]) => name)
      .sort();
    expect(closed).toEqual(
      [
        // ctp:initiative:v1, as the platform and partner-liaison validate it (an unknown field: REJECTED, SCHEMA)
        'ActionStreamsV1',
        'DatesV1',
        'InitiativeContentV1',
        'InitiativeSnapshotV1',
        'LocalizedTextV1',
        'OtherIdentifierV1',
        'ParticipatingOrgV1',
        'RelatedInitiativeV1',
        'ReportInitiativeRequestV1',
        'ReportingOrgV1',
        'WithdrawalV1',
        // ctp:initiative-withdrawal:v1, the withdrawal tombstone, judged by the same consumers the same way
        'InitiativeWithdrawalV1',
        'TombstoneWithdrawalV1',
        // the bodies of an intake upsert and an intake withdrawal, as the hub validates them (an unknown field: 400)
        'IntakeUpsertRequestV1',
        'IntakeWithdrawRequestV1',
        // the CloudEvents envelopes: a producer's check (consumers ignore attributes they do not know)
        'InitiativeEventV1',
        'OverlapEventV1',
        'RollupUpdatedEventV1',
        'SyncDigestEventV1',
      ].sort(),
    );
  });

  it('say what the consumers do: an unknown snapshot field is refused, an unknown overlap field is not', () => {
    const files = Object.fromEntries(renderSchemas().map((s) => [basename(s.path), JSON.parse(s.content)]));
    const example = (name: string) =>
      asyncApiExamples().find((e) => e.example.name === name)!.example.payload as { data: object };

    const initiative = compile(files['ctp-initiative-event.v1.schema.json']);
    const event = example('hubReported');
    expect(initiative(event)).toBe(true);
    const withField = { ...event, data: { ...event.data, budget: 1000 } };
    expect(initiative(withField)).toBe(false);
    expect(checkInitiativeSnapshot(withField.data, Date.parse('2026-10-07T00:00:00Z'))).toMatchObject({
      ok: false,
      reason: 'SCHEMA',
      problems: [{ field: 'budget', rule: 'whitelistValidation' }],
    });

    const overlap = compile(files['ctp-overlap-event.v1.schema.json']);
    const flagged = example('flagged');
    expect(overlap(flagged)).toBe(true);
    expect(overlap({ ...flagged, data: { ...flagged.data, matchedOn: ['title'] } })).toBe(true);
  });
});
