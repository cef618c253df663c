import {
  DurableConsumers,
  EventSources,
  INITIATIVE_WITHDRAWAL_SCHEMA,
  InitiativeEventType,
  IntakeSubjects,
  JetStreamNames,
  PARTNER_CODE_CHARSET,
  PlatformEventType,
  subjectForSource,
  Subjects,
} from './events';
import { isWithdrawalTombstone } from './initiative';
import { contractSchemas, JsonSchema } from './message-schemas';
import { HUB_REGIONS } from './regions';
import { SYNC_DIGEST_TYPE } from './sync';

/*
 * CTP's messaging contract as an AsyncAPI 3.0 document: every subject a CTP service publishes or subscribes to, the
 * messages on it (payload schemas from message-schemas.ts, headers, examples), which NATS identity publishes and which
 * reads. `npm run contracts:schema` writes it to libs/contracts/asyncapi.yaml; scripts/asyncapi.spec.ts checks the
 * committed file, validates it with @asyncapi/parser and compares its channels with the subjects the code uses and its
 * identities with the NATS permissions (libs/messaging/src/nats-permissions.ts). `npm run docs:asyncapi` renders it.
 *
 * An operation is a role of one identity: `send` (it publishes on the channel) or `receive` (it reads it: a durable
 * JetStream consumer, `x-ctp-consumer`, or a core NATS subscription in a queue group, `x-ctp-queue-group`). `{region}`
 * in an identity is the channel's region parameter: the hub of that region, and no other, may publish there.
 */

/** The version of the messaging contract (the `v1` of the subjects and types); see docs/contract.md. */
export const ASYNCAPI_CONTRACT_VERSION = '1.0.0';

const EXAMPLE_PARTNER = 'unodc';

/** A channel parameter; `x-ctp-pattern` is the regular expression a value matches (for checks, and readers). */
interface ParameterSpec {
  description: string;
  enum?: readonly string[];
  examples?: readonly string[];
  'x-ctp-pattern': string;
}

const PARAMETERS: Record<string, ParameterSpec> = {
  region: {
    description:
      'A hub region: afr (Africa), mde (Middle East & North Africa), asi (Asia & South Pacific), eur (Europe)',
    enum: HUB_REGIONS,
    'x-ctp-pattern': `(?:${HUB_REGIONS.join('|')})`,
  },
  partnerCode: {
    description:
      "A registered partner's code: its acronym (the ref PT-<ACRONYM>) in lower case, [a-z0-9]{2,20}. Partners are registered at run time, so the set is open",
    examples: [EXAMPLE_PARTNER, 'osce'],
    'x-ctp-pattern': PARTNER_CODE_CHARSET,
  },
  originalSubject: {
    description:
      'The subject the message had been delivered on, whole (several tokens): the dead letter keeps it, so `ctpdlq.<consumer>.>` filters by consumer and the rest by origin',
    examples: ['ctp.hub.eur.initiative.updated.v1'],
    'x-ctp-pattern': '.+',
  },
};

type StreamName = (typeof JetStreamNames)['eventsStream' | 'deadLetterStream' | 'intakeStream'];

interface ChannelSpec {
  address: string | null;
  title: string;
  description: string;
  parameters?: string[];
  messages: string[];
  /** The JetStream stream that captures the channel's messages; none for core request/reply and inboxes. */
  stream?: StreamName;
}

interface ConsumerSpec {
  stream: StreamName;
  durable: string;
  filterSubject: string;
}

interface OperationSpec {
  action: 'send' | 'receive';
  channel: string;
  identity: string;
  summary: string;
  description?: string;
  /** Keys of the channel's messages; all of them when absent. */
  messages?: string[];
  reply?: { channel: string; messages: string[] };
  consumer?: ConsumerSpec;
  queueGroup?: string;
}

/* ------------------------------------------------------------------------------------------------------------------
 * Examples
 * ---------------------------------------------------------------------------------------------------------------- */

const REPORTED_SNAPSHOT = {
  initiativeId: 'IP-HUB-EUR-ftf-trn-2026',
  reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false },
  version: 1,
  lastUpdatedAt: '2026-09-14T08:30:00.000Z',
  kind: 'TRN',
  title: { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
  titleAlt: [{ lang: 'en', text: 'Regional training on foreign terrorist fighters' }],
  actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
  capabilities: ['BORDER_MANAGEMENT', 'CAPACITY_BUILDING'],
  status: 'PIPELINE',
  dates: { plannedStart: '2026-10-05', plannedEnd: '2026-10-09' },
  scope: 'REGIONAL',
  recipientCountries: ['FR', 'BE', 'NL'],
  visibility: 'PARTNER_SHAREABLE',
};
const UPDATED_SNAPSHOT = {
  ...REPORTED_SNAPSHOT,
  version: 2,
  lastUpdatedAt: '2026-10-05T16:00:00.000Z',
  status: 'IMPLEMENTATION',
  dates: { plannedStart: '2026-10-05', plannedEnd: '2026-10-09', actualStart: '2026-10-05' },
};
const WITHDRAWN_SNAPSHOT = {
  ...UPDATED_SNAPSHOT,
  version: 3,
  lastUpdatedAt: '2026-10-06T07:45:00.000Z',
  withdrawal: {
    reason: 'reported twice: the same course is IP-HUB-EUR-ftf-trn-2026-bis',
    withdrawnAt: '2026-10-06T07:45:00.000Z',
  },
};
/** A withdrawal sent as a tombstone (`ctp:initiative-withdrawal:v1`): no content, only the identity, version and reason. */
const WITHDRAWAL_TOMBSTONE = {
  initiativeId: 'IP-HUB-EUR-op-harbour-2026',
  reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false },
  version: 4,
  lastUpdatedAt: '2026-10-06T09:10:00.000Z',
  withdrawal: { reason: 'reported in error: an exercise, not an operation' },
};
const PARTNER_SNAPSHOT = {
  initiativeId: 'PT-UNODC-gpt-ctf-2026-07',
  reportingOrg: { ref: 'PT-UNODC', type: 'PARTNER', secondaryReporter: true },
  version: 1,
  lastUpdatedAt: '2026-09-20T12:00:00.000Z',
  kind: 'MTG',
  title: { lang: 'en', text: 'Workshop on countering the financing of terrorism' },
  actionStreams: { primary: 'FINANCING', secondary: [] },
  status: 'PIPELINE',
  dates: { plannedStart: '2026-11-16', plannedEnd: '2026-11-18' },
  scope: 'REGIONAL',
  recipientCountries: ['KE', 'TZ', 'UG'],
  visibility: 'PARTNER_SHAREABLE',
};

/** Builds an event envelope as the outbox writes it. */
function envelope(
  id: string,
  source: string,
  type: string,
  subject: string,
  time: string,
  data: unknown,
  extra: Record<string, string> = {},
) {
  return {
    specversion: '1.0',
    id,
    source,
    type,
    subject,
    time,
    datacontenttype: 'application/json',
    ...extra,
    data,
  };
}

function eventHeaders(id: string, correlationId?: string) {
  return {
    'Nats-Msg-Id': id,
    'Content-Type': 'application/cloudevents+json',
    ...(correlationId ? { 'Ctp-Correlation-Id': correlationId } : {}),
  };
}

/** An example message: on `subject` (for readers and checks), with its headers and payload. */
interface ExampleSpec {
  name: string;
  summary: string;
  subject: string;
  headers?: Record<string, string>;
  payload: unknown;
}

/** An initiative event as an owner's outbox writes it, on the source's own subject for `type`. */
function initiativeExample(
  name: string,
  summary: string,
  type: InitiativeEventType,
  source: string,
  snapshot: { initiativeId: string; lastUpdatedAt: string },
  id: string,
  correlationId: string,
): ExampleSpec {
  return {
    name,
    summary,
    subject: subjectForSource(source, type)!,
    headers: eventHeaders(id, correlationId),
    payload: envelope(id, source, type, snapshot.initiativeId, snapshot.lastUpdatedAt, snapshot, {
      dataschema: isWithdrawalTombstone(snapshot) ? INITIATIVE_WITHDRAWAL_SCHEMA : 'ctp:initiative:v1',
      correlationid: correlationId,
    }),
  };
}

/** A platform event (overlaps, rollups) as its outbox writes it, on `ctp.platform.<type>`. */
function platformExample(
  name: string,
  summary: string,
  type: PlatformEventType,
  event: { id: string; subject: string; time: string; data: unknown; correlationId?: string },
): ExampleSpec {
  const { id, subject, time, data, correlationId } = event;
  return {
    name,
    summary,
    subject: Subjects.platformEvent(type),
    headers: eventHeaders(id, correlationId),
    payload: envelope(
      id,
      EventSources.platform,
      type,
      subject,
      time,
      data,
      correlationId ? { correlationid: correlationId } : {},
    ),
  };
}

const HUB = EventSources.hub('eur');
const PARTNER = EventSources.partner(EXAMPLE_PARTNER);

const DIGEST = {
  source: HUB,
  count: 1842,
  hash: '5d41402abc4b2a76b9719d911017c592',
  generatedAt: '2026-10-06T08:00:00.120Z',
};
const OVERLAP_FLAGGED = {
  pairId: '4711',
  initiativeIds: ['IP-HUB-EUR-ftf-trn-2026', 'PT-UNODC-ftf-course-fr-2026'],
  classification: 'DUPLICATE',
  previousClassification: null,
  score: 0.93,
  rule: 'SCORED',
  signals: {
    title: 0.88,
    titleContainment: 0.9,
    samePlace: 1,
    countries: 1,
    sameDates: 1,
    nearDates: 1,
    exactDates: 1,
    sameSchedule: 1,
    kind: 1,
    stream: 1,
    organisations: 0,
    codeName: false,
    titleConcepts: ['foreign-terrorist-fighters', 'training'],
    titleTerms: [{ concept: 'foreign-terrorist-fighters', a: ['combattants terroristes étrangers'], b: ['FTF'] }],
    model: 'shipped-2026-10',
  },
  decision: null,
  canonicalId: 'IP-HUB-EUR-ftf-trn-2026',
  clusterMembers: ['IP-HUB-EUR-ftf-trn-2026', 'PT-UNODC-ftf-course-fr-2026'],
};
const OVERLAP_CLEARED = {
  ...OVERLAP_FLAGGED,
  classification: 'DUPLICATE',
  previousClassification: 'DUPLICATE',
  decision: 'REJECTED',
  canonicalId: null,
  clusterMembers: [],
};
const ROLLUP = {
  groupBy: ['region', 'primaryActionStream', 'status'],
  rows: [
    { region: 'AFR', primaryActionStream: 'FINANCING', status: 'PIPELINE', reported: 12, deduplicated: 11 },
    { region: 'EUR', primaryActionStream: 'TRAVEL_MOBILITY', status: 'IMPLEMENTATION', reported: 40, deduplicated: 37 },
  ],
  totals: { reported: 52, deduplicated: 48 },
  generatedAt: '2026-10-06T08:00:01.500Z',
};
const INTAKE_BODY = {
  localId: 'ftf-workshop-2026',
  kind: 'MTG',
  title: { lang: 'en', text: 'Regional workshop on foreign terrorist fighters travel' },
  actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
  status: 'PIPELINE',
  dates: { plannedStart: '2026-11-10', plannedEnd: '2026-11-12' },
  scope: 'REGIONAL',
  recipientCountries: ['FR', 'BE', 'NL'],
  visibility: 'PARTNER_SHAREABLE',
};

/* ------------------------------------------------------------------------------------------------------------------
 * Messages
 * ---------------------------------------------------------------------------------------------------------------- */

interface MessageSpec {
  title: string;
  summary: string;
  description?: string;
  contentType: string;
  payload: string | JsonSchema;
  headers?: string;
  correlationId?: string;
  examples: ExampleSpec[];
}

const CE = 'application/cloudevents+json';
const initiativeEventDescription = (action: string) =>
  `A ${action} initiative: the whole \`ctp:initiative:v1\` snapshot (state transfer), so a consumer needs no earlier event and applies versions in any order (an older version than the one it holds is IGNORED, STALE_VERSION). CloudEvents structured mode, as CTP's producers send it; CTP's consumers also accept binary mode (the attributes as \`ce-\` headers, the data as the body: docs/contract.md, "Content modes"). The consumer rules: ownership (the source owns the id prefix, the event arrived on the source's own subject, \`subject\` is the initiativeId), stale version, withdrawn, the snapshot's validity (unknown fields are refused: SCHEMA), the status transition.`;

/** A CloudEvent message: structured mode, CTP's event headers, the correlation id in Ctp-Correlation-Id. */
const cloudEventMessage = (
  payload: string,
  spec: Pick<MessageSpec, 'title' | 'summary' | 'description' | 'examples'>,
): MessageSpec => ({
  ...spec,
  contentType: CE,
  payload,
  headers: 'CtpEventHeaders',
  correlationId: 'ctpCorrelationId',
});

const initiativeMessage = (
  type: InitiativeEventType,
  spec: Pick<MessageSpec, 'summary' | 'description' | 'examples'>,
) => cloudEventMessage('InitiativeEventV1', { title: type, ...spec });

/** A JSON message (intake, ctp-sync, re-drive records) and its examples. */
const jsonMessage = (
  payload: string,
  spec: Pick<MessageSpec, 'title' | 'summary' | 'description' | 'headers' | 'correlationId' | 'examples'>,
): MessageSpec => ({ ...spec, contentType: 'application/json', payload });

const MESSAGES: Record<string, MessageSpec> = {
  initiativeReported: initiativeMessage(InitiativeEventType.Reported, {
    summary: 'A new initiative, version 1',
    description: initiativeEventDescription('newly reported'),
    examples: [
      initiativeExample(
        'hubReported',
        'The eur hub reports a training course',
        InitiativeEventType.Reported,
        HUB,
        REPORTED_SNAPSHOT,
        '0f6d2c1e-8a3b-4c55-9a61-2d7e9b0c4f10',
        'demo-1',
      ),
      initiativeExample(
        'partnerReported',
        'partner-liaison relays a workshop UNODC reported',
        InitiativeEventType.Reported,
        PARTNER,
        PARTNER_SNAPSHOT,
        '6a1f0d3b-5e2c-4b7a-8c9d-0e1f2a3b4c5d',
        'unodc-import-2026-09-20',
      ),
    ],
  }),
  initiativeUpdated: initiativeMessage(InitiativeEventType.Updated, {
    summary: 'A new version of an initiative (its whole snapshot)',
    description: initiativeEventDescription('changed'),
    examples: [
      initiativeExample(
        'hubUpdated',
        'The course started: status IMPLEMENTATION with its actual start',
        InitiativeEventType.Updated,
        HUB,
        UPDATED_SNAPSHOT,
        '3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9',
        'demo-2',
      ),
    ],
  }),
  initiativeWithdrawn: initiativeMessage(InitiativeEventType.Withdrawn, {
    summary: 'An initiative withdrawn (reported in error): it leaves every count and never changes again',
    description: `${initiativeEventDescription('withdrawn')} The snapshot carries \`withdrawal\` (reason, withdrawnAt). Instead of the whole snapshot, the data may be a tombstone (\`ctp:initiative-withdrawal:v1\`: \`initiativeId\`, \`reportingOrg\`, \`version\`, \`lastUpdatedAt\`, \`withdrawal.reason\`, optionally \`withdrawal.withdrawnAt\`, nothing else): consumers keep the content of the last whole snapshot they hold and mark it withdrawn, under the same rules (docs/contract.md, "Withdrawals: full snapshot or tombstone").`,
    examples: [
      initiativeExample(
        'hubWithdrawn',
        'The course was reported twice: withdrawn',
        InitiativeEventType.Withdrawn,
        HUB,
        WITHDRAWN_SNAPSHOT,
        '9c8b7a6f-5e4d-4c3b-a2a1-0f9e8d7c6b5a',
        'demo-3',
      ),
      initiativeExample(
        'hubWithdrawnTombstone',
        'A hub system withdraws another record with a tombstone: no content, only the identity, version and reason',
        InitiativeEventType.Withdrawn,
        HUB,
        WITHDRAWAL_TOMBSTONE,
        '2e4c6a8b-0d1f-4e3a-9b5c-7d9f1a3c5e7b',
        'demo-4',
      ),
    ],
  }),
  syncDigest: cloudEventMessage('SyncDigestEventV1', {
    title: SYNC_DIGEST_TYPE,
    summary: "A source's digest of its records (count and hash), after the events it summarises",
    description:
      "Published through the source's outbox whenever its records changed and at least every RECONCILE_HEARTBEAT_MS, so in the stream it follows exactly the events it summarises. The platform accepts it only from the source it describes (`data.source` = `source`) on that source's own subject, compares it with the records it applied from that source, and on a mismatch asks the source over `ctp-sync` request/reply.",
    examples: [
      {
        name: 'hubDigest',
        summary: "The eur hub's digest",
        subject: 'ctp.hub.eur.sync.digest.v1',
        headers: eventHeaders('7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918'),
        payload: envelope(
          '7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918',
          HUB,
          SYNC_DIGEST_TYPE,
          'digest',
          DIGEST.generatedAt,
          DIGEST,
        ),
      },
    ],
  }),
  overlapFlagged: cloudEventMessage('OverlapEventV1', {
    title: PlatformEventType.OverlapFlagged,
    summary: 'A pair of records is now a DUPLICATE or an OVERLAP (detection, or an analyst confirming it)',
    examples: [
      platformExample(
        'flagged',
        'A hub course and a partner course found to be the same activity',
        PlatformEventType.OverlapFlagged,
        {
          id: 'c1d2e3f4-a5b6-4c7d-8e9f-a0b1c2d3e4f5',
          subject: 'overlap-4711',
          time: '2026-10-06T08:00:00.900Z',
          data: OVERLAP_FLAGGED,
        },
      ),
    ],
  }),
  overlapCleared: cloudEventMessage('OverlapEventV1', {
    title: PlatformEventType.OverlapCleared,
    summary:
      'A pair is no longer flagged (re-scored below the thresholds, a record withdrawn, or an analyst rejected it)',
    examples: [
      platformExample(
        'cleared',
        'An analyst rejected the pair: classification is what it was before',
        PlatformEventType.OverlapCleared,
        {
          id: 'd2e3f4a5-b6c7-4d8e-9fa0-b1c2d3e4f5a6',
          subject: 'overlap-4711',
          time: '2026-10-06T09:12:30.000Z',
          data: OVERLAP_CLEARED,
          correlationId: 'decision-4711',
        },
      ),
    ],
  }),
  rollupUpdated: cloudEventMessage('RollupUpdatedEventV1', {
    title: PlatformEventType.RollupUpdated,
    summary: "The platform's counts, published when they changed (debounced, 1 s)",
    description:
      'Every live record counted, restricted ones included: the event stays inside INTERPOL (no partner identity may read it). `reported` counts live records, `deduplicated` each duplicate cluster once.',
    examples: [
      platformExample('rollup', 'Counts by region, primary action stream and status', PlatformEventType.RollupUpdated, {
        id: 'e3f4a5b6-c7d8-4e9f-a0b1-c2d3e4f5a6b7',
        subject: 'rollup',
        time: ROLLUP.generatedAt,
        data: ROLLUP,
      }),
    ],
  }),
  intakeUpsertRequest: jsonMessage('IntakeUpsertMessageV1', {
    title: 'Intake upsert request',
    summary: 'A regional system reports or replaces one initiative and waits for the hub’s answer',
    description:
      'The body: the initiative’s content with `localId` (required) and optionally `expectedVersion`, bare or inside a NestJS packet `{ pattern, data, id }`. Unknown fields are refused (400), as over REST. The reply comes after the commit. A request on another subject than the region’s own is refused by the server (permissions).',
    headers: 'IntakeHeaders',
    correlationId: 'intakeCorrelationId',
    examples: [
      {
        name: 'nestPacket',
        summary: 'As a NestJS ClientProxy.send() sends it',
        subject: IntakeSubjects.upsert('eur'),
        headers: { 'X-Correlation-Id': 'eur-sys-42' },
        payload: {
          pattern: IntakeSubjects.upsert('eur'),
          data: INTAKE_BODY,
          id: '8f14e45f-ceea-467f-a0e6-1c2f3b4a5d6e',
        },
      },
      {
        name: 'bareBody',
        summary: 'A plain NATS client: the body alone, replacing version 1 only if it is still current',
        subject: IntakeSubjects.upsert('eur'),
        payload: { ...INTAKE_BODY, status: 'CANCELLED', expectedVersion: 1 },
      },
    ],
  }),
  intakeUpsertAccepted: jsonMessage('IntakeUpsertAcceptedReplyV1', {
    title: 'Intake upsert accepted',
    summary: 'The change is committed (and its event in the outbox)',
    examples: [
      {
        name: 'accepted',
        summary: 'A new initiative, version 1',
        subject: '_INBOX.regional-eur.Xk3bQ9mZcP1',
        payload: {
          id: '8f14e45f-ceea-467f-a0e6-1c2f3b4a5d6e',
          response: {
            status: 'ACCEPTED',
            initiativeId: 'IP-HUB-EUR-ftf-workshop-2026',
            version: 1,
            created: true,
            changed: true,
          },
          isDisposed: true,
        },
      },
    ],
  }),
  intakeUpsertRefused: jsonMessage('IntakeUpsertRefusedReplyV1', {
    title: 'Intake upsert refused',
    summary: 'Nothing stored: what is wrong (4xx), or retry later (503)',
    examples: [
      {
        name: 'unknownCountry',
        summary: 'A rule broken: 422 naming the field and the rule',
        subject: '_INBOX.regional-eur.Xk3bQ9mZcP2',
        payload: {
          id: '1679091c-5a88-4faf-afb5-e6087eb1b2dc',
          err: {
            statusCode: 422,
            error: 'Unprocessable Entity',
            message: 'the initiative breaks a rule: "XX" is not an ISO 3166-1 alpha-2 code (upper case)',
            details: [
              {
                field: 'recipientCountries[1]',
                rule: 'isoCountry',
                message: '"XX" is not an ISO 3166-1 alpha-2 code (upper case)',
              },
            ],
          },
          isDisposed: true,
        },
      },
    ],
  }),
  intakeSubmit: jsonMessage('IntakeUpsertMessageV1', {
    title: 'Intake upsert (emit)',
    summary: 'The same upsert, fire and forget: kept by CTP_INTAKE while the hub is down, applied when it is back',
    description:
      "No reply and no PubAck (the stream is `no_ack`). A refused upsert is recorded and logged by the hub (REJECTED with its reason); the ones behind it go on. Nats-Msg-Id, when set, identifies it (broker dedupe within two minutes, the hub's inbox after); otherwise its stream position does.",
    headers: 'IntakeSubmitHeaders',
    correlationId: 'intakeCorrelationId',
    examples: [
      {
        name: 'nestEmit',
        summary: 'As a NestJS ClientProxy.emit() sends it',
        subject: IntakeSubjects.submit('eur'),
        headers: { 'Nats-Msg-Id': 'eur-sys-42-emit-1', 'X-Correlation-Id': 'eur-sys-42' },
        payload: {
          pattern: IntakeSubjects.submit('eur'),
          data: { ...INTAKE_BODY, description: 'Agenda published' },
        },
      },
    ],
  }),
  intakeWithdrawRequest: jsonMessage('IntakeWithdrawMessageV1', {
    title: 'Intake withdrawal request',
    summary: 'A regional system withdraws one of its initiatives (reported in error) and waits for the hub’s answer',
    description:
      'The body: `localId` (or the `initiativeId` the hub gave back), `reason` (required) and optionally `expectedVersion`, bare or inside a NestJS packet `{ pattern, data, id }`. Anything else is refused (400). The same use case as REST `POST /initiatives/:id/withdraw`, with the same refusals: 403 another organisation’s id, 404 not found, 409 already withdrawn, 412 not at `expectedVersion`, 400 without a reason. The reply comes after the commit.',
    headers: 'IntakeHeaders',
    correlationId: 'intakeCorrelationId',
    examples: [
      {
        name: 'withdraw',
        summary: 'A plain NATS client: withdraw version 2 only if it is still current',
        subject: IntakeSubjects.withdraw('eur'),
        headers: { 'X-Correlation-Id': 'eur-sys-43' },
        payload: {
          localId: INTAKE_BODY.localId,
          reason: 'reported twice: see ftf-workshop-2026-b',
          expectedVersion: 2,
        },
      },
    ],
  }),
  intakeWithdrawAccepted: jsonMessage('IntakeWithdrawAcceptedReplyV1', {
    title: 'Intake withdrawal accepted',
    summary: 'The withdrawal is committed (and its ctp.initiative.withdrawn.v1 event in the outbox)',
    examples: [
      {
        name: 'withdrawn',
        summary: 'Withdrawn at version 3',
        subject: '_INBOX.regional-eur.Xk3bQ9mZcP3',
        payload: {
          response: {
            status: 'ACCEPTED',
            initiativeId: 'IP-HUB-EUR-ftf-workshop-2026',
            version: 3,
            withdrawnAt: '2026-11-02T09:30:00.000Z',
          },
          isDisposed: true,
        },
      },
    ],
  }),
  intakeWithdrawRefused: jsonMessage('IntakeUpsertRefusedReplyV1', {
    title: 'Intake withdrawal refused',
    summary: 'Nothing withdrawn: what is wrong (4xx), or retry later (503)',
    examples: [
      {
        name: 'notCurrent',
        summary: 'The record moved on since it was read: 412, read it again',
        subject: '_INBOX.regional-eur.Xk3bQ9mZcP4',
        payload: {
          err: {
            statusCode: 412,
            error: 'Precondition Failed',
            message: 'IP-HUB-EUR-ftf-workshop-2026 is at version 3, not 2: read it again and re-apply your change',
            details: [
              {
                field: 'If-Match',
                rule: 'currentVersion',
                message: 'IP-HUB-EUR-ftf-workshop-2026 is at version 3, not 2: read it again and re-apply your change',
              },
            ],
          },
          isDisposed: true,
        },
      },
    ],
  }),
  syncBucketsRequest: jsonMessage('SyncBucketsRequestV1', {
    title: 'ctp-sync buckets request',
    summary: "The source's digest of each of its 32 buckets",
    examples: [{ name: 'buckets', summary: 'No parameter', subject: 'ctp-sync.hub.eur.buckets', payload: {} }],
  }),
  syncListRequest: jsonMessage('SyncListRequestV1', {
    title: 'ctp-sync list request',
    summary: 'The records (id, version, withdrawn) of one bucket',
    examples: [{ name: 'list', summary: 'Bucket 7', subject: 'ctp-sync.hub.eur.list', payload: { bucket: 7 } }],
  }),
  syncResendRequest: jsonMessage('SyncResendRequestV1', {
    title: 'ctp-sync resend request',
    summary:
      'Re-publish these records (at most 500): their current snapshots, as ordinary initiative events with new ids',
    examples: [
      {
        name: 'resend',
        summary: 'Two records the platform lacks',
        subject: `ctp-sync.partner.${EXAMPLE_PARTNER}.resend`,
        payload: { ids: ['PT-UNODC-gpt-ctf-2026-07', 'PT-UNODC-gpt-ctf-2026-08'] },
      },
    ],
  }),
  syncBucketsReply: jsonMessage('SyncBucketsReplyMessageV1', {
    title: 'ctp-sync buckets reply',
    summary: 'One digest per bucket holding records, or the failure',
    examples: [
      {
        name: 'buckets',
        summary: 'Two of the 32 buckets',
        subject: '_INBOX.platform.Gh7Yt2LpQ0a',
        payload: {
          ok: true,
          result: [
            { bucket: 0, count: 57, hash: '9e107d9d372bb6826bd81d3542a419d6' },
            { bucket: 7, count: 61, hash: 'e4d909c290d0fb1ca068ffaddf22cbd0' },
          ],
        },
      },
    ],
  }),
  syncListReply: jsonMessage('SyncListReplyMessageV1', {
    title: 'ctp-sync list reply',
    summary: "The bucket's records, or the failure",
    examples: [
      {
        name: 'list',
        summary: 'A bucket with one live and one withdrawn record',
        subject: '_INBOX.platform.Gh7Yt2LpQ0b',
        payload: {
          ok: true,
          result: [
            { initiativeId: 'IP-HUB-EUR-ftf-trn-2026', version: 3, withdrawn: true },
            { initiativeId: 'IP-HUB-EUR-op-sentinel', version: 2, withdrawn: false },
          ],
        },
      },
      {
        name: 'failure',
        summary: 'A request about records this service does not hold',
        subject: '_INBOX.platform.Gh7Yt2LpQ0c',
        payload: { ok: false, error: 'no records of partner.xyz here' },
      },
    ],
  }),
  syncResendReply: jsonMessage('SyncResendReplyMessageV1', {
    title: 'ctp-sync resend reply',
    summary: 'How many records were re-published, or the failure',
    examples: [
      {
        name: 'resend',
        summary: 'Both found and re-published',
        subject: '_INBOX.platform.Gh7Yt2LpQ0d',
        payload: { ok: true, result: { resent: 2 } },
      },
    ],
  }),
  deadLetter: {
    title: 'Dead letter',
    summary: 'A message a consumer could not apply, with why and where from',
    description:
      'The original payload, unchanged (usually a CloudEvent; possibly not JSON at all, which is often why it is here), and the original headers but Nats-Msg-Id (kept as Ctp-Dlq-Original-Msg-Id), plus the Ctp-Dlq-* headers. Its own Nats-Msg-Id (`dlq:<consumer>:<stream>:<seq>`) comes from the original’s stream position, so a crash between dead-lettering and the ack leaves one copy. `npm run dlq` (as admin) lists, shows and re-drives them.',
    contentType: 'application/octet-stream',
    payload: {
      description:
        'The original message’s bytes: whatever was delivered on the original subject (see that channel’s message)',
    },
    headers: 'DeadLetterHeaders',
    examples: [
      {
        name: 'undecodable',
        summary: 'A message that is not a CloudEvent, dead-lettered by the platform at once',
        subject: 'ctpdlq.platform-hubs.ctp.hub.eur.initiative.updated.v1',
        headers: {
          'Nats-Msg-Id': 'dlq:platform-hubs:CTP_EVENTS:90210',
          'Content-Type': 'application/json',
          'Ctp-Dlq-Reason': 'INVALID_ENVELOPE',
          'Ctp-Dlq-Detail': 'specversion must be "1.0", got undefined',
          'Ctp-Dlq-Original-Subject': 'ctp.hub.eur.initiative.updated.v1',
          'Ctp-Dlq-Original-Stream': 'CTP_EVENTS',
          'Ctp-Dlq-Original-Seq': '90210',
          'Ctp-Dlq-Delivery-Count': '1',
          'Ctp-Dlq-Consumer': 'platform-hubs',
          'Ctp-Dlq-Failed-At': '2026-10-06T08:03:11.204Z',
        },
        payload: { initiativeId: 'IP-HUB-EUR-ftf-trn-2026', version: 2 },
      },
    ],
  },
  deadLetterRedrive: jsonMessage('DeadLetterRedriveRecordV1', {
    title: 'Dead-letter re-drive record',
    summary: 'An operator re-drove a dead letter: what, when, and where it went',
    description:
      '`npm run dlq -- redrive` publishes the original payload again on its original subject (Nats-Msg-Id `redrive:<seq>`, header Ctp-Redriven-From), deletes the dead letter, and appends this record.',
    headers: 'RedriveHeaders',
    examples: [
      {
        name: 'redriven',
        summary: 'A dead letter of platform-hubs re-driven after the fix',
        subject: `${JetStreamNames.deadLetterSubjectPrefix}._redriven`,
        headers: { 'Ctp-Redriven-Seq': '118' },
        payload: {
          deadLetter: {
            seq: 118,
            failedAt: '2026-10-06T08:03:11.204Z',
            consumer: 'platform-hubs',
            reason: 'SQLSTATE_22001',
            detail: 'SQLSTATE 22001 (data exception): value too long for type character varying(200)',
            originalSubject: 'ctp.hub.eur.initiative.updated.v1',
            originalSeq: '90211',
            deliveryCount: '1',
            eventId: '3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9',
            eventType: 'ctp.initiative.updated.v1',
            initiativeId: 'IP-HUB-EUR-ftf-trn-2026',
          },
          redrivenAt: '2026-10-06T10:00:00.000Z',
          subject: 'ctp.hub.eur.initiative.updated.v1',
          streamSeq: 91877,
        },
      },
    ],
  }),
};

/* ------------------------------------------------------------------------------------------------------------------
 * Channels
 * ---------------------------------------------------------------------------------------------------------------- */

const EVENTS = JetStreamNames.eventsStream;
const DLQ = JetStreamNames.deadLetterStream;
const INTAKE = JetStreamNames.intakeStream;
const DLQ_PREFIX = JetStreamNames.deadLetterSubjectPrefix;

/** `reported` → `Reported`: the part of a channel's or an operation's id a subject token gives. */
const capitalised = <T extends string>(word: T) => `${word.charAt(0).toUpperCase()}${word.slice(1)}` as Capitalize<T>;

/** The initiative events: ids' part, the subject's action token, the message (`initiativeReported`, …). */
const ACTIONS = (['reported', 'updated', 'withdrawn'] as const).map(
  (action) => [capitalised(action), action, `initiative${capitalised(action)}`] as const,
);

/** The intake's request/reply subjects (channels `intake<name>`, `intake<name>Reply`): what the asker and the hub do. */
const INTAKE_REQUESTS = [
  {
    name: 'Upsert',
    asks: 'A regional system reports or replaces an initiative at its own hub (send)',
    answers:
      'The hub applies it through the same use case as REST and answers after the commit; at most INTAKE_MAX_CONCURRENT at once and INTAKE_QUEUE_MAX waiting (503 beyond)',
  },
  {
    name: 'Withdraw',
    asks: 'A regional system withdraws one of its initiatives at its own hub (send)',
    answers:
      'The hub withdraws it through the same use case as REST and answers after the commit; within the same INTAKE_MAX_CONCURRENT / INTAKE_QUEUE_MAX as upserts (503 beyond)',
  },
] as const;

/** The `ctp-sync` requests: ids' part, the subject's last token, the messages' prefix (`syncBuckets`Request, …Reply). */
const SYNC_OPS = (['buckets', 'list', 'resend'] as const).map(
  (op) => [capitalised(op), op, `sync${capitalised(op)}`] as const,
);

/** The durable consumers that dead-letter: channel and operation ids' part, the consumer, its service's identity. */
const DEAD_LETTER_CONSUMERS = [
  {
    name: 'PlatformHubs',
    durable: DurableConsumers.platformHubs,
    identity: 'platform',
    who: "the platform's hub consumer",
  },
  {
    name: 'PlatformPartners',
    durable: DurableConsumers.platformPartners,
    identity: 'platform',
    who: "the platform's partner consumer",
  },
  {
    name: 'LiaisonHubs',
    durable: DurableConsumers.liaisonHubs,
    identity: 'partner-liaison',
    who: "partner-liaison's hub consumer",
  },
  {
    name: 'LiaisonOverlaps',
    durable: DurableConsumers.liaisonOverlaps,
    identity: 'partner-liaison',
    who: "partner-liaison's overlap consumer",
  },
  { name: 'HubIntake', durable: 'hub-{region}-intake', identity: 'hub-{region}', who: "a hub's intake consumer" },
] as const;

function channels(): Record<string, ChannelSpec> {
  const out: Record<string, ChannelSpec> = {};
  for (const [name, action, message] of ACTIONS) {
    out[`hubInitiative${name}`] = {
      address: `ctp.hub.{region}.initiative.${action}.v1`,
      title: `Hub initiatives ${action}`,
      description: `Each hub's ${action} initiatives (source \`/ctp/hubs/<region>\`, ids \`IP-HUB-<REGION>-…\`), published through the hub's outbox once the change is committed.`,
      parameters: ['region'],
      messages: [message],
      stream: EVENTS,
    };
    out[`partnerInitiative${name}`] = {
      address: `ctp.partner.{partnerCode}.initiative.${action}.v1`,
      title: `Partner initiatives ${action}`,
      description: `A partner's ${action} initiatives (source \`/ctp/partner-liaison/<code>\`, ids \`PT-<ACRONYM>-…\`), published by partner-liaison, which checked the partner's right to its prefix at its HTTP edge.`,
      parameters: ['partnerCode'],
      messages: [message],
      stream: EVENTS,
    };
  }
  out.hubSyncDigest = {
    address: 'ctp.hub.{region}.sync.digest.v1',
    title: 'Hub digests',
    description: "A hub's digest of its records (reconciliation), on the hub's own subject.",
    parameters: ['region'],
    messages: ['syncDigest'],
    stream: EVENTS,
  };
  out.partnerSyncDigest = {
    address: 'ctp.partner.{partnerCode}.sync.digest.v1',
    title: 'Partner digests',
    description: "partner-liaison's digest of one partner's records, on that partner's subject.",
    parameters: ['partnerCode'],
    messages: ['syncDigest'],
    stream: EVENTS,
  };
  out.overlapFlagged = {
    address: Subjects.platformEvent(PlatformEventType.OverlapFlagged),
    title: 'Overlaps flagged',
    description: 'The platform flags a pair of records as DUPLICATE or OVERLAP.',
    messages: ['overlapFlagged'],
    stream: EVENTS,
  };
  out.overlapCleared = {
    address: Subjects.platformEvent(PlatformEventType.OverlapCleared),
    title: 'Overlaps cleared',
    description: 'A flagged pair is no longer flagged.',
    messages: ['overlapCleared'],
    stream: EVENTS,
  };
  out.rollupUpdated = {
    address: Subjects.platformEvent(PlatformEventType.RollupUpdated),
    title: 'Rollups',
    description:
      "The platform's counts whenever they changed. No CTP service consumes it; it stays in CTP_EVENTS for systems inside INTERPOL (an identity with a durable consumer on it).",
    messages: ['rollupUpdated'],
    stream: EVENTS,
  };
  out.intakeUpsert = {
    address: 'ctp-intake.hub.{region}.initiatives.upsert',
    title: 'Intake: upsert (request/reply)',
    description:
      "A regional system reports or replaces an initiative at its hub and gets the hub's answer after the commit. Core NATS, outside `ctp.>` (a stream there would answer with its PubAck). The hub's instances share the queue group `hub-<region>`: each request is answered once.",
    parameters: ['region'],
    messages: ['intakeUpsertRequest'],
  };
  out.intakeUpsertReply = {
    address: null,
    title: 'Intake: the hub’s reply',
    description:
      "The requester's inbox: `_INBOX.regional-<region>.…` (a regional system must connect with `inboxPrefix: '_INBOX.regional-<region>'`, the only inbox it may subscribe to). The hub answers only to `_INBOX.` subjects.",
    messages: ['intakeUpsertAccepted', 'intakeUpsertRefused'],
  };
  out.intakeSubmit = {
    address: 'ctp-intake.hub.{region}.initiatives.submit',
    title: 'Intake: upsert (emit)',
    description:
      "Fire and forget: captured by the CTP_INTAKE stream (kept 30 days, no PubAck) and applied by the hub's durable consumer `hub-<region>-intake`, even after the hub was down.",
    parameters: ['region'],
    messages: ['intakeSubmit'],
    stream: INTAKE,
  };
  out.intakeWithdraw = {
    address: 'ctp-intake.hub.{region}.initiatives.withdraw',
    title: 'Intake: withdraw (request/reply)',
    description:
      "A regional system withdraws one of its initiatives (reported in error) and gets the hub's answer after the commit. Core NATS request/reply only (no emit, no stream), in the queue group `hub-<region>` like the upsert.",
    parameters: ['region'],
    messages: ['intakeWithdrawRequest'],
  };
  out.intakeWithdrawReply = {
    address: null,
    title: 'Intake: the hub’s reply to a withdrawal',
    description:
      "The requester's inbox: `_INBOX.regional-<region>.…`, as for the upsert. The hub answers only to `_INBOX.` subjects.",
    messages: ['intakeWithdrawAccepted', 'intakeWithdrawRefused'],
  };
  for (const [name, op, message] of SYNC_OPS) {
    out[`hubSync${name}`] = {
      address: `ctp-sync.hub.{region}.${op}`,
      title: `Reconciliation: ${op} (a hub)`,
      description: `The platform asks a hub (\`${op}\`) when the hub's digest differs from its view. Core NATS request/reply, outside \`ctp.>\`.`,
      parameters: ['region'],
      messages: [`${message}Request`],
    };
    out[`partnerSync${name}`] = {
      address: `ctp-sync.partner.{partnerCode}.${op}`,
      title: `Reconciliation: ${op} (a partner)`,
      description: `The platform asks partner-liaison (\`${op}\`) about one partner's records. Core NATS request/reply, outside \`ctp.>\`.`,
      parameters: ['partnerCode'],
      messages: [`${message}Request`],
    };
  }
  out.syncReply = {
    address: null,
    title: 'Reconciliation: the source’s reply',
    description: "The platform's inbox, `_INBOX.platform.…`. The sources answer only to `_INBOX.` subjects.",
    messages: ['syncBucketsReply', 'syncListReply', 'syncResendReply'],
  };
  for (const { name, durable, who } of DEAD_LETTER_CONSUMERS) {
    out[`deadLetters${name}`] = {
      address: `${DLQ_PREFIX}.${durable}.{originalSubject}`,
      title: `Dead letters of ${durable}`,
      description: `What ${who} could not apply: permanently (undecodable, invalid envelope, a handler's verdict, a value the database refuses) at once, transiently after CONSUMER_MAX_DELIVER deliveries. Outside \`ctp.>\`, so they never loop back.`,
      parameters: durable.includes('{region}') ? ['region', 'originalSubject'] : ['originalSubject'],
      messages: ['deadLetter'],
      stream: DLQ,
    };
  }
  out.deadLetterRedrives = {
    address: `${DLQ_PREFIX}._redriven`,
    title: 'Dead-letter re-drives',
    description: 'A record of each re-drive, beside the dead letters (`npm run dlq` skips them when listing).',
    messages: ['deadLetterRedrive'],
    stream: DLQ,
  };
  return out;
}

/* ------------------------------------------------------------------------------------------------------------------
 * Operations
 * ---------------------------------------------------------------------------------------------------------------- */

/** An identity publishing on a channel. */
const send = (channel: string, identity: string, summary: string): OperationSpec => ({
  action: 'send',
  channel,
  identity,
  summary,
});

/** An identity reading a channel: through a durable consumer, or a core subscription in a queue group. */
const receive = (
  channel: string,
  identity: string,
  summary: string,
  how: Pick<OperationSpec, 'consumer' | 'queueGroup'> = {},
): OperationSpec => ({ action: 'receive', channel, identity, summary, ...how });

/** Core request/reply: the asker's request and the answerer's reading of it (in its queue group), the same reply each. */
function requestReply(
  channel: string,
  reply: { channel: string; messages: readonly string[] },
  asker: { identity: string; summary: string },
  answerer: { identity: string; summary: string; queueGroup: string },
): [OperationSpec, OperationSpec] {
  const replyOf = () => ({ channel: reply.channel, messages: [...reply.messages] });
  return [
    { ...send(channel, asker.identity, asker.summary), reply: replyOf() },
    { ...receive(channel, answerer.identity, answerer.summary, { queueGroup: answerer.queueGroup }), reply: replyOf() },
  ];
}

function operations(): Record<string, OperationSpec> {
  const out: Record<string, OperationSpec> = {};
  const hubsConsumer = (durable: string): ConsumerSpec => ({
    stream: EVENTS,
    durable,
    filterSubject: Subjects.allHubs,
  });
  const platformHubs = { consumer: hubsConsumer(DurableConsumers.platformHubs) };
  const liaisonHubs = { consumer: hubsConsumer(DurableConsumers.liaisonHubs) };
  const platformPartners = {
    consumer: { stream: EVENTS, durable: DurableConsumers.platformPartners, filterSubject: Subjects.allPartners },
  };
  for (const [name, action] of ACTIONS) {
    const hub = `hubInitiative${name}`;
    const partner = `partnerInitiative${name}`;
    out[`hubPublishesInitiative${name}`] = send(
      hub,
      'hub-{region}',
      `The hub of the region publishes its ${action} initiatives (outbox relay, Nats-Msg-Id = event id)`,
    );
    out[`platformReadsHubInitiative${name}`] = receive(
      hub,
      'platform',
      'The platform applies them to the registry',
      platformHubs,
    );
    out[`liaisonReadsHubInitiative${name}`] = receive(
      hub,
      'partner-liaison',
      'partner-liaison keeps its copy of hub records for the partners’ feeds (shareable ones only)',
      liaisonHubs,
    );
    out[`liaisonPublishesPartnerInitiative${name}`] = send(
      partner,
      'partner-liaison',
      `partner-liaison publishes the partners' ${action} initiatives (outbox relay)`,
    );
    out[`platformReadsPartnerInitiative${name}`] = receive(
      partner,
      'platform',
      'The platform applies them to the registry',
      platformPartners,
    );
  }
  out.hubPublishesDigest = send('hubSyncDigest', 'hub-{region}', 'The hub publishes its digest through its outbox');
  out.platformReadsHubDigest = receive(
    'hubSyncDigest',
    'platform',
    'The platform compares it with its view of the hub',
    platformHubs,
  );
  out.liaisonReadsHubDigest = receive(
    'hubSyncDigest',
    'partner-liaison',
    'Delivered to partner-liaison by its filter (ctp.hub.>) and ignored: IGNORED, NO_HANDLER',
    liaisonHubs,
  );
  out.liaisonPublishesPartnerDigest = send(
    'partnerSyncDigest',
    'partner-liaison',
    "partner-liaison publishes each partner's digest through its outbox",
  );
  out.platformReadsPartnerDigest = receive(
    'partnerSyncDigest',
    'platform',
    'The platform compares it with its view of the partner',
    platformPartners,
  );
  const overlaps = {
    consumer: { stream: EVENTS, durable: DurableConsumers.liaisonOverlaps, filterSubject: Subjects.allOverlaps },
  };
  for (const [channel, verb, name] of [
    ['overlapFlagged', 'flagged', 'Flagged'],
    ['overlapCleared', 'cleared', 'Cleared'],
  ] as const) {
    out[`platformPublishesOverlap${name}`] = send(
      channel,
      'platform',
      `The platform publishes each pair ${verb} (detection worker or an analyst's decision, through its outbox)`,
    );
    out[`liaisonReadsOverlap${name}`] = receive(
      channel,
      'partner-liaison',
      'partner-liaison writes notices to the partners whose records are in the pair (not about a restricted record); it accepts them only from /ctp/platform on ctp.platform.overlap.>',
      overlaps,
    );
  }
  out.platformPublishesRollup = send(
    'rollupUpdated',
    'platform',
    'The platform publishes its counts when they changed',
  );
  for (const { name, asks, answers } of INTAKE_REQUESTS) {
    [out[`regionalSystemSends${name}`], out[`hubAnswers${name}`]] = requestReply(
      `intake${name}`,
      { channel: `intake${name}Reply`, messages: [`intake${name}Accepted`, `intake${name}Refused`] },
      { identity: 'regional-{region}', summary: asks },
      { identity: 'hub-{region}', summary: answers, queueGroup: 'hub-{region}' },
    );
  }
  out.regionalSystemEmitsUpsert = send(
    'intakeSubmit',
    'regional-{region}',
    'A regional system emits an upsert to its own hub (fire and forget)',
  );
  out.hubAppliesEmittedUpsert = receive(
    'intakeSubmit',
    'hub-{region}',
    'The hub applies emitted upserts from CTP_INTAKE, one transaction each',
    {
      consumer: {
        stream: INTAKE,
        durable: 'hub-{region}-intake',
        filterSubject: 'ctp-intake.hub.{region}.initiatives.submit',
      },
    },
  );
  for (const [name, op, message] of SYNC_OPS) {
    const reply = { channel: 'syncReply', messages: [`${message}Reply`] };
    const resend = op === 'resend';
    [out[`platformAsksHub${name}`], out[`hubAnswers${name}`]] = requestReply(
      `hubSync${name}`,
      reply,
      { identity: 'platform', summary: `The platform asks a hub (${op}) while repairing a mismatch` },
      {
        identity: 'hub-{region}',
        summary: resend
          ? 'The hub re-publishes the records through its outbox (new event ids, same versions) and answers how many'
          : `The hub answers from its table (${op})`,
        queueGroup: 'hub-{region}',
      },
    );
    [out[`platformAsksPartner${name}`], out[`liaisonAnswers${name}`]] = requestReply(
      `partnerSync${name}`,
      reply,
      { identity: 'platform', summary: `The platform asks partner-liaison about one partner (${op})` },
      {
        identity: 'partner-liaison',
        summary: resend
          ? "partner-liaison re-publishes the partner's records through its outbox and answers how many"
          : `partner-liaison answers from the partner's records (${op}); it subscribes to every partner's subjects at once`,
        queueGroup: 'partner-liaison',
      },
    );
  }
  for (const { name, identity } of DEAD_LETTER_CONSUMERS) {
    const channel = `deadLetters${name}`;
    out[`deadLetter${name}`] = send(
      channel,
      identity,
      'The consumer’s service dead-letters what it cannot apply, then acks the original',
    );
    out[`adminReadsDeadLetters${name}`] = receive(
      channel,
      'admin',
      'An operator lists, shows and re-drives them (`npm run dlq`, as admin)',
    );
  }
  out.adminRecordsRedrive = send(
    'deadLetterRedrives',
    'admin',
    'An operator’s re-drive is recorded (`npm run dlq -- redrive`)',
  );
  return out;
}

/* ------------------------------------------------------------------------------------------------------------------
 * The document
 * ---------------------------------------------------------------------------------------------------------------- */

const HEADER_SCHEMAS: Record<string, JsonSchema> = {
  CtpEventHeaders: {
    type: 'object',
    description:
      'NATS headers of every CTP event (set by the outbox relay). The CloudEvents attributes are in the payload (structured mode), not in headers. (CTP’s consumers also accept binary mode from other producers: the attributes as `ce-` headers, percent-encoded, and no `application/cloudevents` Content-Type; docs/contract.md, "Content modes".)',
    required: ['Nats-Msg-Id', 'Content-Type'],
    properties: {
      'Nats-Msg-Id': {
        type: 'string',
        description:
          'The event id (the envelope’s `id`): the broker drops a second copy within its two-minute duplicate window; the consumers’ inboxes drop it after',
      },
      'Content-Type': { const: 'application/cloudevents+json', description: 'CloudEvents structured mode, JSON' },
      'Ctp-Correlation-Id': {
        type: 'string',
        pattern: '^[A-Za-z0-9._:-]{1,128}$',
        description: 'The envelope’s `correlationid`, when it has one',
      },
      'Ctp-Redriven-From': {
        type: 'string',
        description: 'Only on a copy re-driven from the dead-letter stream: the dead letter’s sequence there',
      },
    },
  },
  IntakeHeaders: {
    type: 'object',
    properties: {
      'X-Correlation-Id': {
        type: 'string',
        pattern: '^[A-Za-z0-9._:-]{1,128}$',
        description:
          'Carried into the hub’s log lines and into the resulting event’s `correlationid` (another value is replaced by a new one)',
      },
    },
  },
  IntakeSubmitHeaders: {
    type: 'object',
    properties: {
      'Nats-Msg-Id': {
        type: 'string',
        description: 'Identifies the emit (broker dedupe, then the hub’s inbox); otherwise its stream position does',
      },
      'X-Correlation-Id': { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
      'Ctp-Correlation-Id': {
        type: 'string',
        pattern: '^[A-Za-z0-9._:-]{1,128}$',
        description: 'Read when X-Correlation-Id is absent',
      },
    },
  },
  DeadLetterHeaders: {
    type: 'object',
    description:
      'The original message’s headers but Nats-Msg-Id (kept as Ctp-Dlq-Original-Msg-Id), and these. A binary-mode CloudEvent keeps its `ce-` headers: its identity (`npm run dlq -- list` shows it)',
    required: [
      'Nats-Msg-Id',
      'Ctp-Dlq-Reason',
      'Ctp-Dlq-Original-Subject',
      'Ctp-Dlq-Original-Stream',
      'Ctp-Dlq-Original-Seq',
      'Ctp-Dlq-Delivery-Count',
      'Ctp-Dlq-Consumer',
      'Ctp-Dlq-Failed-At',
    ],
    properties: {
      'Nats-Msg-Id': { type: 'string', pattern: '^dlq:', description: 'dlq:<consumer>:<stream>:<sequence>' },
      'Ctp-Dlq-Reason': {
        type: 'string',
        description:
          'UNDECODABLE, INVALID_ENVELOPE, a handler’s code, SQLSTATE_<code>, MAX_DELIVER_EXCEEDED (an open set)',
      },
      'Ctp-Dlq-Detail': { type: 'string', maxLength: 1000, description: 'Words for a person; never the failing row' },
      'Ctp-Dlq-Original-Subject': { type: 'string' },
      'Ctp-Dlq-Original-Stream': { type: 'string' },
      'Ctp-Dlq-Original-Seq': { type: 'string', pattern: '^[0-9]+$' },
      'Ctp-Dlq-Delivery-Count': { type: 'string', pattern: '^[0-9]+$' },
      'Ctp-Dlq-Consumer': { type: 'string', description: 'The durable consumer that gave up' },
      'Ctp-Dlq-Failed-At': { type: 'string', format: 'date-time' },
      'Ctp-Dlq-Original-Msg-Id': {
        type: 'string',
        description: 'The original’s Nats-Msg-Id, when it had one (the relays set it to the event id)',
      },
    },
  },
  RedriveHeaders: {
    type: 'object',
    required: ['Ctp-Redriven-Seq'],
    properties: {
      'Ctp-Redriven-Seq': { type: 'string', pattern: '^[0-9]+$', description: 'The dead letter’s sequence' },
    },
  },
};

const IDENTITIES_TABLE = `| Identity | Publishes | Reads |
| --- | --- | --- |
| \`hub-<region>\` | \`ctp.hub.<region>.>\` (its initiatives, its digest), its intake dead letters, answers into \`_INBOX.regional-<region>\`, \`_INBOX.platform\`, \`_INBOX.admin\` | intake requests \`ctp-intake.hub.<region>.initiatives.upsert\` and \`.withdraw\`, \`ctp-sync.hub.<region>.*\`, the durable consumer \`hub-<region>-intake\` on CTP_INTAKE |
| \`platform\` | \`ctp.platform.>\` (overlaps, rollups), \`ctp-sync.*.*.*\` requests, its dead letters | the durable consumers \`platform-hubs\` (\`ctp.hub.>\`) and \`platform-partners\` (\`ctp.partner.>\`) on CTP_EVENTS |
| \`partner-liaison\` | \`ctp.partner.>\` (partners' initiatives and digests), its dead letters, answers into \`_INBOX.platform\`, \`_INBOX.admin\` | \`ctp-sync.partner.*.*\`, the durable consumers \`liaison-hubs\` (\`ctp.hub.>\`) and \`liaison-overlaps\` (\`ctp.platform.overlap.>\`) |
| \`regional-<region>\` | \`ctp-intake.hub.<region>.>\` (upsert and withdrawal requests and emits to its own hub) | its inbox \`_INBOX.regional-<region>.>\` only |
| \`admin\` | everything but the denied JetStream API | everything (provisioning, \`npm run dlq\`, \`outbox:replay\`, rebuilds) |`;

const DESCRIPTION = `The messaging contract of CTP Coordination: regional hubs, partner-liaison and the platform over NATS (JetStream for events, core request/reply for intake and reconciliation). Every subject a CTP service publishes or subscribes to is a channel here, and no other (checked against the code by scripts/asyncapi.spec.ts).

**Events** are CloudEvents 1.0 in structured mode (\`application/cloudevents+json\`: the attributes and \`data\` in one JSON body), published through a transactional outbox with \`Nats-Msg-Id\` = the event id, captured by the stream \`CTP_EVENTS\` (\`ctp.>\`) and read by durable pull consumers, each with one filter subject. Consumers record every event in an inbox (exactly-once effect) and acknowledge after the commit.

**Identities.** Every process connects as its own NATS user (an nkey and a TLS client certificate), and the server allows each exactly its subjects (libs/messaging/src/nats-permissions.ts, docs/security.md). Each operation below names its identity (\`x-ctp-identity\`; \`{region}\` is the channel's region). Replies go to per-identity inbox prefixes (\`_INBOX.<identity>\`). JetStream API subjects (\`$JS.API…\`, \`$JS.ACK…\`) are the client library's and are not channels.

${IDENTITIES_TABLE}

**Versioning**: the \`v1\` in subjects and types; what may change within v1, how a v2 runs beside it and how consumers treat unknown fields: docs/contract.md. Standalone JSON Schemas of every message: libs/contracts/schema/.`;

type Doc = Record<string, unknown>;

/** An AsyncAPI Message Object's example, as the document shows it (the subject goes in the summary). */
function exampleOf(e: ExampleSpec): Doc {
  return {
    name: e.name,
    summary: `${e.summary} (on ${e.subject})`,
    ...(e.headers ? { headers: e.headers } : {}),
    payload: e.payload,
  };
}

/** The examples of every message, with the subjects they are on: what the checks validate. */
export function asyncApiExamples(): { message: string; example: ExampleSpec }[] {
  return Object.entries(MESSAGES).flatMap(([message, m]) => m.examples.map((example) => ({ message, example })));
}

/** The AsyncAPI 3.0 document, as a plain object (scripts/asyncapi.ts writes it as YAML). */
export function asyncApiDocument(): Doc {
  const schemas = contractSchemas('#/components/schemas/');
  const chans = channels();
  const ops = operations();
  const channelsOut: Doc = {};
  for (const [id, c] of Object.entries(chans)) {
    channelsOut[id] = {
      address: c.address,
      title: c.title,
      description: c.stream ? `${c.description}\n\nStream: \`${c.stream}\`.` : c.description,
      ...(c.parameters
        ? { parameters: Object.fromEntries(c.parameters.map((p) => [p, { $ref: `#/components/parameters/${p}` }])) }
        : {}),
      messages: Object.fromEntries(c.messages.map((m) => [m, { $ref: `#/components/messages/${m}` }])),
      ...(c.stream ? { 'x-ctp-stream': c.stream } : {}),
    };
  }
  const operationsOut: Doc = {};
  for (const [id, o] of Object.entries(ops)) {
    const channel = chans[o.channel];
    if (!channel) throw new Error(`operation ${id}: no channel ${o.channel}`);
    const messages = o.messages ?? channel.messages;
    operationsOut[id] = {
      action: o.action,
      channel: { $ref: `#/channels/${o.channel}` },
      summary: o.summary,
      ...(o.description ? { description: o.description } : {}),
      messages: messages.map((m) => ({ $ref: `#/channels/${o.channel}/messages/${m}` })),
      ...(o.reply
        ? {
            reply: {
              channel: { $ref: `#/channels/${o.reply.channel}` },
              messages: o.reply.messages.map((m) => ({ $ref: `#/channels/${o.reply!.channel}/messages/${m}` })),
            },
          }
        : {}),
      'x-ctp-identity': o.identity,
      ...(o.consumer ? { 'x-ctp-consumer': o.consumer } : {}),
      ...(o.queueGroup ? { 'x-ctp-queue-group': o.queueGroup } : {}),
    };
  }
  const messagesOut: Doc = {};
  for (const [id, m] of Object.entries(MESSAGES)) {
    messagesOut[id] = {
      name: id,
      title: m.title,
      summary: m.summary,
      ...(m.description ? { description: m.description } : {}),
      contentType: m.contentType,
      ...(m.headers ? { headers: { $ref: `#/components/schemas/${m.headers}` } } : {}),
      ...(m.correlationId ? { correlationId: { $ref: `#/components/correlationIds/${m.correlationId}` } } : {}),
      payload: typeof m.payload === 'string' ? { $ref: `#/components/schemas/${m.payload}` } : m.payload,
      examples: m.examples.map(exampleOf),
    };
  }
  return {
    asyncapi: '3.0.0',
    id: 'urn:int:interpol:ctp:coordination:messaging',
    info: {
      title: 'CTP Coordination messaging',
      version: ASYNCAPI_CONTRACT_VERSION,
      description: DESCRIPTION,
      license: { name: 'UNLICENSED' },
      tags: [{ name: 'ctp' }],
    },
    defaultContentType: 'application/json',
    servers: {
      nats: {
        host: 'nats:4222',
        protocol: 'nats',
        title: 'The deployment’s NATS (JetStream) cluster',
        description:
          'Development: nats://127.0.0.1:4222 (npm start). Compose: nats://nats:4222. A cluster: a comma-separated list (deploy/nats/README.md). nats-server 2.9 or later.',
        security: [{ $ref: '#/components/securitySchemes/natsIdentity' }],
      },
    },
    channels: channelsOut,
    operations: operationsOut,
    components: {
      schemas: { ...schemas, ...HEADER_SCHEMAS },
      messages: messagesOut,
      parameters: PARAMETERS,
      correlationIds: {
        ctpCorrelationId: {
          description: 'The correlation id of the request that caused the event (also the envelope’s correlationid)',
          location: '$message.header#/Ctp-Correlation-Id',
        },
        intakeCorrelationId: {
          description: 'The regional system’s own id for the request: in the hub’s log lines and the resulting event',
          location: '$message.header#/X-Correlation-Id',
        },
      },
      securitySchemes: {
        natsIdentity: {
          type: 'X509',
          description:
            'One NATS user per identity (hub-<region>, platform, partner-liaison, regional-<region>, admin): a TLS client certificate signed by the deployment’s CA and the identity’s nkey (Ed25519; the seed signs the server’s nonce), both required. `npm run nats:identities` makes them; anonymous connections are refused.',
        },
      },
    },
  };
}

/** The channels' specifications, for checks: address, parameters and stream (scripts/asyncapi.spec.ts). */
export function asyncApiChannelPatterns(): { id: string; address: string | null; stream?: string; pattern?: RegExp }[] {
  return Object.entries(channels()).map(([id, c]) => ({
    id,
    address: c.address,
    stream: c.stream,
    pattern:
      c.address === null
        ? undefined
        : new RegExp(
            `^${c.address
              .split(/(\{[A-Za-z]+\})/)
              .map((part) => {
                const param = /^\{([A-Za-z]+)\}$/.exec(part)?.[1];
                if (!param) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
                const spec = PARAMETERS[param];
                if (!spec) throw new Error(`channel ${id}: no parameter ${param}`);
                return `(${spec['x-ctp-pattern']})`;
              })
              .join('')}$`,
          ),
  }));
}
