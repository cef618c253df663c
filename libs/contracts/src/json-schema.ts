import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import {
  INITIATIVE_EVENT_TYPES,
  INITIATIVE_SCHEMA,
  INITIATIVE_WITHDRAWAL_SCHEMA,
  InitiativeEventType,
  PARTNER_CODE_CHARSET,
} from './events';
// Imported for its side effect: the classes register their validation metadata.
import './initiative.v1.dto';

type SchemaObject = ReturnType<typeof validationMetadatasToSchemas>[string];

// class-transformer keeps @Type() metadata here (no typings for this path): it tells nested objects' classes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: never };

/**
 * JSON Schemas of `ctp:initiative:v1`, generated from the class-validator classes (the single definition), with
 * references of the form `<prefix><ClassName>`. OpenAPI uses `#/components/schemas/`, the standalone file
 * `#/definitions/`.
 */
export function initiativeSchemas(refPointerPrefix = '#/components/schemas/'): Record<string, SchemaObject> {
  const all = validationMetadatasToSchemas({
    refPointerPrefix,
    classTransformerMetadataStorage: defaultMetadataStorage,
  }) as Record<string, SchemaObject>;
  const wanted = [
    'LocalizedTextV1',
    'ActionStreamsV1',
    'DatesV1',
    'ParticipatingOrgV1',
    'RelatedInitiativeV1',
    'OtherIdentifierV1',
    'ReportingOrgV1',
    'WithdrawalV1',
    'InitiativeContentV1',
    'InitiativeSnapshotV1',
    'ReportInitiativeRequestV1',
    'TombstoneWithdrawalV1',
    'InitiativeWithdrawalV1',
  ];
  const out: Record<string, SchemaObject> = {};
  for (const name of wanted) {
    if (!all[name]) throw new Error(`no validation metadata for ${name}`);
    out[name] = { ...all[name], additionalProperties: false };
  }
  return out;
}

/**
 * A standalone JSON Schema (draft-07) for the CloudEvents envelope of an initiative event and its snapshot: the whole
 * snapshot on every type, or, on `ctp.initiative.withdrawn.v1` only, a withdrawal tombstone (`ctp:initiative-withdrawal:v1`).
 */
export function initiativeEventJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'ctp:initiative:v1',
    title: 'CTP initiative event (CloudEvents 1.0, structured mode) carrying a ctp:initiative:v1 snapshot',
    type: 'object',
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
    properties: {
      specversion: { const: '1.0' },
      id: { type: 'string', minLength: 1 },
      source: { type: 'string', pattern: `^/ctp/(hubs/(afr|mde|asi|eur)|partner-liaison/${PARTNER_CODE_CHARSET})$` },
      type: { enum: [...INITIATIVE_EVENT_TYPES] },
      subject: { type: 'string', description: 'the initiativeId' },
      time: { type: 'string', format: 'date-time' },
      datacontenttype: { const: 'application/json' },
      dataschema: { enum: [INITIATIVE_SCHEMA, INITIATIVE_WITHDRAWAL_SCHEMA] },
      correlationid: { type: 'string' },
      causationid: { type: 'string' },
      traceparent: { type: 'string' },
      data: {
        type: 'object',
        description: `the whole ${INITIATIVE_SCHEMA} snapshot; on ${InitiativeEventType.Withdrawn}, the whole snapshot or a tombstone (${INITIATIVE_WITHDRAWAL_SCHEMA})`,
      },
    },
    additionalProperties: false,
    if: { properties: { type: { const: InitiativeEventType.Withdrawn } } },
    then: {
      properties: {
        data: {
          oneOf: [{ $ref: '#/definitions/InitiativeSnapshotV1' }, { $ref: '#/definitions/InitiativeWithdrawalV1' }],
        },
      },
    },
    else: { properties: { data: { $ref: '#/definitions/InitiativeSnapshotV1' } } },
    definitions: initiativeSchemas('#/definitions/'),
  };
}
