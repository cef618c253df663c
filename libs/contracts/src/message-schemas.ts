import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { PARTNER_CODE_CHARSET, PlatformEventType } from './events';
import { initiativeEventJsonSchema, initiativeSchemas } from './json-schema';
import { HUB_REGIONS } from './regions';
import { SYNC_DIGEST_TYPE } from './sync';
// Imported for its side effect: the classes register their validation metadata.
import './messages.v1.dto';

/*
 * The JSON Schemas of every message on CTP's subjects, generated from the contract classes (initiative.v1.dto.ts,
 * messages.v1.dto.ts): the standalone files in libs/contracts/schema/ (`npm run contracts:schema`) and the
 * components of the AsyncAPI document (asyncapi.ts) come from here.
 *
 * Closed (additionalProperties: false) exactly where a CTP consumer refuses an unknown field: the initiative snapshot
 * (the platform and partner-liaison reject the event, SCHEMA) and the intake requests' bodies (the hub answers 400).
 * Every other message is open: CTP's consumers ignore fields they do not know, and so must anyone else's (docs/contract.md).
 * The CloudEvents envelopes list the attributes CTP sets and are closed, as the initiative event's always was: a
 * producer's check (the consumers themselves ignore attributes they do not know).
 */

export type JsonSchema = Record<string, unknown>;

// class-transformer keeps @Type() metadata here (no typings for this path): it tells nested objects' classes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: never };

/** The message classes of messages.v1.dto.ts, all open (see above) but the intake requests. */
const MESSAGE_CLASSES = [
  'OverlapEventDataV1',
  'RollupTotalsV1',
  'RollupRowV1',
  'RollupUpdatedDataV1',
  'SourceDigestV1',
  'BucketDigestV1',
  'RecordVersionV1',
  'SyncListRequestV1',
  'SyncResendRequestV1',
  'SyncResendResultV1',
  'SyncFailureReplyV1',
  'SyncBucketsReplyV1',
  'SyncListReplyV1',
  'SyncResendReplyV1',
  'IntakeUpsertRequestV1',
  'FieldProblemV1',
  'ErrorBodyV1',
  'IntakeUpsertAcceptedV1',
  'IntakeUpsertAcceptedReplyV1',
  'IntakeUpsertRefusedReplyV1',
  'IntakeWithdrawRequestV1',
  'IntakeWithdrawAcceptedV1',
  'IntakeWithdrawAcceptedReplyV1',
  'DeadLetterViewV1',
  'DeadLetterRedriveRecordV1',
] as const;
const CLOSED_MESSAGE_CLASSES = new Set<string>(['IntakeUpsertRequestV1', 'IntakeWithdrawRequestV1']);

/** Replaces every `$ref` prefix `from` by `to`, deeply (a copy). */
export function rebaseRefs<T>(value: T, from: string, to: string): T {
  if (Array.isArray(value)) return value.map((v) => rebaseRefs(v, from, to)) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith(from)
        ? `${to}${v.slice(from.length)}`
        : rebaseRefs(v, from, to);
  }
  return out as T;
}

interface EnvelopeSpec {
  title: string;
  description: string;
  types: readonly string[];
  source: JsonSchema;
  subject: JsonSchema;
  data: string;
}

/** A CloudEvents 1.0 structured-mode envelope as CTP's outbox writes it (libs/messaging `newEvent`). */
function envelopeSchema(spec: EnvelopeSpec, prefix: string): JsonSchema {
  return {
    title: spec.title,
    description: spec.description,
    type: 'object',
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
    properties: {
      specversion: { const: '1.0' },
      id: { type: 'string', minLength: 1, description: 'A UUID; also the message’s Nats-Msg-Id' },
      source: spec.source,
      type: spec.types.length === 1 ? { const: spec.types[0] } : { enum: [...spec.types] },
      subject: spec.subject,
      time: { type: 'string', format: 'date-time' },
      datacontenttype: { const: 'application/json' },
      correlationid: {
        type: 'string',
        description: 'The correlation id of the request that caused the event (CTP extension attribute)',
      },
      causationid: { type: 'string', description: 'CTP extension attribute, not set by CTP producers today' },
      traceparent: { type: 'string', description: 'W3C trace context, not set by CTP producers today' },
      data: { $ref: `${prefix}${spec.data}` },
    },
    additionalProperties: false,
  };
}

const RECORD_SOURCE = {
  type: 'string',
  pattern: `^/ctp/(hubs/(${HUB_REGIONS.join('|')})|partner-liaison/${PARTNER_CODE_CHARSET})$`,
  description: 'The hub (/ctp/hubs/<region>) or partner (/ctp/partner-liaison/<code>) whose records it describes',
};
const PLATFORM_SOURCE = { const: '/ctp/platform' };

/** A NestJS packet (`ClientProxy.send` / `.emit`) around a body: what the hub also accepts bare. */
function nestPacket(prefix: string, body: string, description: string): JsonSchema {
  return {
    description,
    type: 'object',
    required: ['pattern', 'data'],
    properties: {
      pattern: { type: 'string', description: 'The subject, as a NestJS client sets it (not read)' },
      data: { $ref: `${prefix}${body}` },
      id: { type: 'string', description: 'Set by ClientProxy.send: echoed in the reply (emit sets none)' },
    },
  };
}

/**
 * Every schema, named, with references `<prefix><Name>`: the initiative snapshot's classes, the message classes, the
 * CloudEvents envelopes and the wire forms of the requests and replies. `#/components/schemas/` for AsyncAPI,
 * `#/definitions/` for the standalone files.
 */
export function contractSchemas(prefix = '#/components/schemas/'): Record<string, JsonSchema> {
  const all = validationMetadatasToSchemas({
    refPointerPrefix: prefix,
    classTransformerMetadataStorage: defaultMetadataStorage,
  }) as Record<string, JsonSchema>;
  const out: Record<string, JsonSchema> = { ...(initiativeSchemas(prefix) as Record<string, JsonSchema>) };
  for (const name of MESSAGE_CLASSES) {
    if (!all[name]) throw new Error(`no validation metadata for ${name}`);
    out[name] = CLOSED_MESSAGE_CLASSES.has(name) ? { ...all[name], additionalProperties: false } : all[name];
  }

  // The initiative event: the envelope of the standalone file (json-schema.ts), its references rebased.
  const { $schema: _s, $id: _i, definitions: _d, ...initiativeEvent } = initiativeEventJsonSchema();
  out.InitiativeEventV1 = rebaseRefs(initiativeEvent, '#/definitions/', prefix);
  out.OverlapEventV1 = envelopeSchema(
    {
      title: 'ctp.overlap.flagged.v1 / ctp.overlap.cleared.v1',
      description: "The platform's CloudEvent for a pair of records whose effective classification changed",
      types: [PlatformEventType.OverlapFlagged, PlatformEventType.OverlapCleared],
      source: PLATFORM_SOURCE,
      subject: { type: 'string', pattern: '^overlap-.+$', description: 'overlap-<pairId>' },
      data: 'OverlapEventDataV1',
    },
    prefix,
  );
  out.RollupUpdatedEventV1 = envelopeSchema(
    {
      title: 'ctp.rollup.updated.v1',
      description: "The platform's CloudEvent carrying its counts, every record counted, whenever they changed",
      types: [PlatformEventType.RollupUpdated],
      source: PLATFORM_SOURCE,
      subject: { const: 'rollup' },
      data: 'RollupUpdatedDataV1',
    },
    prefix,
  );
  out.SyncDigestEventV1 = envelopeSchema(
    {
      title: 'ctp.sync.digest.v1',
      description: "A source's digest of its records, published after the events it summarises",
      types: [SYNC_DIGEST_TYPE],
      source: RECORD_SOURCE,
      subject: { const: 'digest' },
      data: 'SourceDigestV1',
    },
    prefix,
  );

  out.IntakeUpsertPacketV1 = nestPacket(
    prefix,
    'IntakeUpsertRequestV1',
    'The body in a NestJS packet: what ClientProxy.send (request) or .emit (submit) sends',
  );
  out.IntakeUpsertMessageV1 = {
    title: 'An upsert from a regional system (request or emit)',
    description: 'The body alone, or the body in a NestJS packet',
    oneOf: [{ $ref: `${prefix}IntakeUpsertPacketV1` }, { $ref: `${prefix}IntakeUpsertRequestV1` }],
  };
  out.IntakeUpsertReplyV1 = {
    title: "The hub's reply to an upsert request",
    description:
      'Sent once the change is committed (response) or refused (err), in the shape a NestJS ClientProxy expects',
    oneOf: [{ $ref: `${prefix}IntakeUpsertAcceptedReplyV1` }, { $ref: `${prefix}IntakeUpsertRefusedReplyV1` }],
  };
  out.IntakeWithdrawPacketV1 = nestPacket(
    prefix,
    'IntakeWithdrawRequestV1',
    'The body in a NestJS packet: what ClientProxy.send sends',
  );
  out.IntakeWithdrawMessageV1 = {
    title: 'A withdrawal from a regional system (request)',
    description: 'The body alone, or the body in a NestJS packet',
    oneOf: [{ $ref: `${prefix}IntakeWithdrawPacketV1` }, { $ref: `${prefix}IntakeWithdrawRequestV1` }],
  };
  out.IntakeWithdrawReplyV1 = {
    title: "The hub's reply to a withdrawal request",
    description:
      'Sent once the withdrawal is committed (response) or refused (err), in the shape a NestJS ClientProxy expects',
    oneOf: [{ $ref: `${prefix}IntakeWithdrawAcceptedReplyV1` }, { $ref: `${prefix}IntakeUpsertRefusedReplyV1` }],
  };

  out.SyncBucketsRequestV1 = {
    title: 'ctp-sync buckets request',
    description: 'No parameter: an empty JSON object (anything in it is ignored)',
    type: 'object',
  };
  out.SyncBucketsReplyMessageV1 = {
    title: 'ctp-sync buckets reply',
    oneOf: [{ $ref: `${prefix}SyncBucketsReplyV1` }, { $ref: `${prefix}SyncFailureReplyV1` }],
  };
  out.SyncListReplyMessageV1 = {
    title: 'ctp-sync list reply',
    oneOf: [{ $ref: `${prefix}SyncListReplyV1` }, { $ref: `${prefix}SyncFailureReplyV1` }],
  };
  out.SyncResendReplyMessageV1 = {
    title: 'ctp-sync resend reply',
    oneOf: [{ $ref: `${prefix}SyncResendReplyV1` }, { $ref: `${prefix}SyncFailureReplyV1` }],
  };
  return out;
}

/** One standalone schema file in libs/contracts/schema/. */
export interface SchemaFile {
  /** The file name. */
  file: string;
  /** The schema (in contractSchemas) at its root. */
  root: string;
  title: string;
}

/**
 * The standalone JSON Schema files (draft-07) besides ctp-initiative-event.v1.schema.json (json-schema.ts, unchanged):
 * one per message, each holding only the definitions it uses.
 */
export const SCHEMA_FILES: readonly SchemaFile[] = [
  {
    file: 'ctp-overlap-event.v1.schema.json',
    root: 'OverlapEventV1',
    title: 'CTP overlap flagged / cleared event (CloudEvents 1.0, structured mode)',
  },
  {
    file: 'ctp-rollup-updated-event.v1.schema.json',
    root: 'RollupUpdatedEventV1',
    title: 'CTP rollup updated event (CloudEvents 1.0, structured mode)',
  },
  {
    file: 'ctp-sync-digest-event.v1.schema.json',
    root: 'SyncDigestEventV1',
    title: 'CTP source digest event (CloudEvents 1.0, structured mode)',
  },
  {
    file: 'ctp-intake-upsert-request.v1.schema.json',
    root: 'IntakeUpsertMessageV1',
    title: 'CTP intake upsert (ctp-intake.hub.<region>.initiatives.upsert request, .submit emit)',
  },
  {
    file: 'ctp-intake-upsert-reply.v1.schema.json',
    root: 'IntakeUpsertReplyV1',
    title: "CTP intake upsert reply (the hub's answer to a request)",
  },
  {
    file: 'ctp-intake-withdraw-request.v1.schema.json',
    root: 'IntakeWithdrawMessageV1',
    title: 'CTP intake withdrawal (ctp-intake.hub.<region>.initiatives.withdraw request)',
  },
  {
    file: 'ctp-intake-withdraw-reply.v1.schema.json',
    root: 'IntakeWithdrawReplyV1',
    title: "CTP intake withdrawal reply (the hub's answer to a request)",
  },
  {
    file: 'ctp-sync-buckets-request.v1.schema.json',
    root: 'SyncBucketsRequestV1',
    title: 'CTP ctp-sync buckets request',
  },
  {
    file: 'ctp-sync-buckets-reply.v1.schema.json',
    root: 'SyncBucketsReplyMessageV1',
    title: 'CTP ctp-sync buckets reply',
  },
  { file: 'ctp-sync-list-request.v1.schema.json', root: 'SyncListRequestV1', title: 'CTP ctp-sync list request' },
  { file: 'ctp-sync-list-reply.v1.schema.json', root: 'SyncListReplyMessageV1', title: 'CTP ctp-sync list reply' },
  { file: 'ctp-sync-resend-request.v1.schema.json', root: 'SyncResendRequestV1', title: 'CTP ctp-sync resend request' },
  {
    file: 'ctp-sync-resend-reply.v1.schema.json',
    root: 'SyncResendReplyMessageV1',
    title: 'CTP ctp-sync resend reply',
  },
  {
    file: 'ctp-dead-letter-redrive.v1.schema.json',
    root: 'DeadLetterRedriveRecordV1',
    title: 'CTP dead-letter re-drive record (ctpdlq._redriven)',
  },
];

/** The names a schema refers to, directly or through others, in `all` (`#/definitions/<Name>`). */
function referenced(schema: unknown, all: Record<string, JsonSchema>, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const s of schema) referenced(s, all, into);
  } else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) {
        const name = v.slice('#/definitions/'.length);
        if (!into.has(name)) {
          into.add(name);
          referenced(all[name], all, into);
        }
      } else referenced(v, all, into);
    }
  }
  return into;
}

/** A standalone draft-07 schema: the root's own keywords, and the definitions it uses (sorted by name). */
export function standaloneSchema(entry: SchemaFile): JsonSchema {
  const all = contractSchemas('#/definitions/');
  const root = all[entry.root];
  if (!root) throw new Error(`no schema ${entry.root}`);
  const { title: _t, ...rest } = root;
  const used = [...referenced(root, all)].sort();
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `ctp:${entry.file.replace(/\.schema\.json$/, '')}`,
    title: entry.title,
    ...rest,
    ...(used.length ? { definitions: Object.fromEntries(used.map((n) => [n, all[n]])) } : {}),
  };
}
