import 'reflect-metadata';
import { JSONSchema } from 'class-validator-jsonschema';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { InitiativeContentV1 } from './initiative.v1.dto';
import { LOCAL_ID_PATTERN } from './initiative';
import type { OverlapEventData, RollupUpdatedData } from './events';
import type { BucketDigest, RecordVersion, SourceDigest } from './sync';

/*
 * The data of every message besides the initiative snapshot (initiative.v1.dto.ts), as class-validator classes: the
 * one definition their JSON Schemas (libs/contracts/schema/, the AsyncAPI document) are generated from. Each class is
 * checked against the TypeScript type the code builds the message with (message-types.check.ts), so the schema cannot
 * drift from what is sent.
 */

/** A JSON Schema as class-validator-jsonschema types it. */
type SchemaObject = Parameters<Extract<Parameters<typeof JSONSchema>[0], (...args: never[]) => unknown>>[0];

/** A property always present that may be null: `null` added to its type (and enumeration), with its description. */
const nullable =
  (description: string) =>
  (s: SchemaObject): SchemaObject =>
    ({
      ...s,
      type: [s.type ?? 'object', 'null'],
      ...(Array.isArray(s.enum) ? { enum: [...s.enum, null] } : {}),
      description,
    }) as SchemaObject;

/** Every property is present in every message (the nullable ones as null): what class-validator's ValidateIf cannot say. */
const everyPropertyRequired = (s: SchemaObject): SchemaObject => ({ ...s, required: Object.keys(s.properties ?? {}) });

/* ------------------------------------------------------------------------------------------------------------------
 * ctp.overlap.flagged.v1 / ctp.overlap.cleared.v1 (OverlapEventData)
 * ---------------------------------------------------------------------------------------------------------------- */

export const OVERLAP_CLASSIFICATIONS = ['DUPLICATE', 'OVERLAP'] as const;
export const OVERLAP_DECISIONS = ['CONFIRMED', 'REJECTED'] as const;

@JSONSchema(everyPropertyRequired)
export class OverlapEventDataV1 {
  @IsString()
  @Length(1, 200)
  @JSONSchema({ description: "The pair's id on the platform (GET /overlaps/:id)" })
  pairId!: string;

  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @IsString({ each: true })
  @JSONSchema({ description: 'The two initiatives, the smaller id first' })
  initiativeIds!: [string, string];

  @ValidateIf((o: OverlapEventDataV1) => o.classification !== null)
  @IsIn(OVERLAP_CLASSIFICATIONS)
  @JSONSchema(
    nullable(
      'flagged: the effective classification now (DUPLICATE or OVERLAP); cleared: what it was before. A closed enumeration: a new value is a v2',
    ),
  )
  classification!: (typeof OVERLAP_CLASSIFICATIONS)[number] | null;

  @ValidateIf((o: OverlapEventDataV1) => o.previousClassification !== null)
  @IsIn(OVERLAP_CLASSIFICATIONS)
  @JSONSchema(nullable('The effective classification before this change'))
  previousClassification!: (typeof OVERLAP_CLASSIFICATIONS)[number] | null;

  @ValidateIf((o: OverlapEventDataV1) => o.score !== null)
  @IsNumber()
  @JSONSchema(nullable("The matching model's score (1 for an explicit link)"))
  score!: number | null;

  @ValidateIf((o: OverlapEventDataV1) => o.rule !== null)
  @IsString()
  @JSONSchema(
    nullable(
      'Which rule decided: EXPLICIT_LINK, DECLARED_RELATION, SAME_REPORTER, NOT_BLOCKED, PRJ_VETO, SCORED. An open set: consumers must accept a value they do not know',
    ),
  )
  rule!: string | null;

  @ValidateIf((o: OverlapEventDataV1) => o.signals !== null)
  @IsObject()
  @JSONSchema(
    nullable(
      "The matcher's signals (explanation only: their names and number change with the matching model, GET /overlaps/model)",
    ),
  )
  signals!: unknown;

  @ValidateIf((o: OverlapEventDataV1) => o.decision !== null)
  @IsIn(OVERLAP_DECISIONS)
  @JSONSchema(nullable("An analyst's decision on the pair, if any"))
  decision!: (typeof OVERLAP_DECISIONS)[number] | null;

  @ValidateIf((o: OverlapEventDataV1) => o.canonicalId !== null)
  @IsString()
  @JSONSchema(nullable("The canonical record of the first initiative's duplicate cluster, null when it is in none"))
  canonicalId!: string | null;

  @IsArray()
  @IsString({ each: true })
  @JSONSchema({ description: 'The members of that cluster (empty when none)' })
  clusterMembers!: string[];
}

/* ------------------------------------------------------------------------------------------------------------------
 * ctp.rollup.updated.v1 (RollupUpdatedData)
 * ---------------------------------------------------------------------------------------------------------------- */

export class RollupTotalsV1 {
  @IsInt()
  @Min(0)
  @JSONSchema({ description: 'Live records' })
  reported!: number;

  @IsInt()
  @Min(0)
  @JSONSchema({ description: 'Live records, each duplicate cluster counted once (under its canonical record)' })
  deduplicated!: number;
}

/** One row: the values of the `groupBy` dimensions (a property each) and the two counts. */
@JSONSchema({
  description:
    'One row of the rollup: the two counts, and one property per groupBy dimension holding its value (region: AFR, MDE, ASI, EUR, GLB; primaryActionStream and status: as in the snapshot)',
  additionalProperties: { type: ['string', 'integer'] },
})
export class RollupRowV1 {
  @IsInt()
  @Min(0)
  reported!: number;

  @IsInt()
  @Min(0)
  deduplicated!: number;
}

export class RollupUpdatedDataV1 {
  @IsArray()
  @IsString({ each: true })
  @JSONSchema({
    description: 'The dimensions the rows are grouped by, in order (today region, primaryActionStream, status)',
  })
  groupBy!: string[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RollupRowV1)
  rows!: RollupRowV1[];

  @IsObject()
  @ValidateNested()
  @Type(() => RollupTotalsV1)
  totals!: RollupTotalsV1;

  @IsString()
  @JSONSchema({ format: 'date-time', description: 'When the counts were computed (ISO 8601)' })
  generatedAt!: string;
}

/* ------------------------------------------------------------------------------------------------------------------
 * ctp.sync.digest.v1 (SourceDigest) and the ctp-sync request/reply bodies
 * ---------------------------------------------------------------------------------------------------------------- */

export class SourceDigestV1 {
  @IsString()
  @JSONSchema({ description: 'The source the digest describes: the CloudEvents source of its events' })
  source!: string;

  @IsInt()
  @Min(0)
  @JSONSchema({ description: 'Live and withdrawn records the source holds' })
  count!: number;

  @Matches(/^[0-9a-f]{32}$/)
  @JSONSchema({
    description:
      'md5 (hex) over "<initiativeId>:<version>:<withdrawn 0|1>" joined by "," in initiativeId order (byte order)',
  })
  hash!: string;

  @IsString()
  @JSONSchema({ format: 'date-time', description: 'When the digest was computed (ISO 8601)' })
  generatedAt!: string;
}

export class BucketDigestV1 {
  @IsInt()
  @Min(0)
  @Max(31)
  @JSONSchema({ description: 'The bucket (0–31) a record falls in, from its initiativeId' })
  bucket!: number;

  @IsInt()
  @Min(0)
  count!: number;

  @Matches(/^[0-9a-f]{32}$/)
  @JSONSchema({ description: "md5 of the bucket's records, as the source digest's hash" })
  hash!: string;
}

export class RecordVersionV1 {
  @IsString()
  initiativeId!: string;

  @IsInt()
  @Min(1)
  version!: number;

  @IsBoolean()
  withdrawn!: boolean;
}

/** `ctp-sync.<source>.list`: the records of one bucket. */
export class SyncListRequestV1 {
  @IsInt()
  @Min(0)
  @Max(31)
  bucket!: number;
}

/** `ctp-sync.<source>.resend`: re-publish these records (their current snapshots, with new event ids). */
export class SyncResendRequestV1 {
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  ids!: string[];
}

export class SyncResendResultV1 {
  @IsInt()
  @Min(0)
  @JSONSchema({ description: 'How many of the ids were found and re-published' })
  resent!: number;
}

/** The failure answer of every `ctp-sync` request. */
export class SyncFailureReplyV1 {
  @IsIn([false])
  ok!: false;

  @IsString()
  @JSONSchema({ description: 'Why, in words (e.g. "no records of partner.xyz here")' })
  error!: string;
}

export class SyncBucketsReplyV1 {
  @IsIn([true])
  ok!: true;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => BucketDigestV1)
  @JSONSchema({ description: 'One entry per bucket holding records (a bucket without records is left out)' })
  result!: BucketDigestV1[];
}

export class SyncListReplyV1 {
  @IsIn([true])
  ok!: true;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RecordVersionV1)
  result!: RecordVersionV1[];
}

export class SyncResendReplyV1 {
  @IsIn([true])
  ok!: true;

  @IsObject()
  @ValidateNested()
  @Type(() => SyncResendResultV1)
  result!: SyncResendResultV1;
}

/* ------------------------------------------------------------------------------------------------------------------
 * Intake over NATS: ctp-intake.hub.<region>.initiatives.upsert (request/reply), .submit (emit) and .withdraw
 * (request/reply)
 * ---------------------------------------------------------------------------------------------------------------- */

/** What a regional system sends: the initiative's content, its own id for it, and optionally the version it read. */
export class IntakeUpsertRequestV1 extends InitiativeContentV1 {
  @Matches(LOCAL_ID_PATTERN, { message: 'localId must match [A-Za-z0-9._-]{1,40}' })
  @JSONSchema({
    description:
      'Your own id for the initiative (required over NATS): its id becomes <hub ref>-<localId>. Creates it when new, replaces its content otherwise',
  })
  localId!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @JSONSchema({
    description:
      'Replace only if the record is still at this version (as If-Match over REST); without it, whatever is current',
  })
  expectedVersion?: number;
}

/** One problem with a field: what every CTP error body lists. */
export class FieldProblemV1 {
  @IsString()
  @JSONSchema({ description: 'The field, as a path (dates.plannedEnd, recipientCountries[1])' })
  field!: string;

  @IsString()
  @JSONSchema({ description: 'The rule it breaks (isIn, plannedOrder, …)' })
  rule!: string;

  @IsString()
  message!: string;
}

/** The error body of every CTP API, HTTP or NATS: `{ statusCode, error, message, details[] }`. */
export class ErrorBodyV1 {
  @IsInt()
  @Min(400)
  @Max(599)
  @JSONSchema({
    description:
      '400 malformed, 403 another organisation’s id, 404 no such initiative (withdraw), 409 withdrawn or exists, 412 expectedVersion is not current, 422 a rule, 503 busy or the database unavailable (retry), 500 a fault',
  })
  statusCode!: number;

  @IsString()
  @JSONSchema({ description: 'The HTTP reason phrase of statusCode' })
  error!: string;

  @IsString()
  message!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FieldProblemV1)
  details!: FieldProblemV1[];
}

export class IntakeUpsertAcceptedV1 {
  @IsIn(['ACCEPTED'])
  status!: 'ACCEPTED';

  @IsString()
  initiativeId!: string;

  @IsInt()
  @Min(1)
  @JSONSchema({ description: 'The version the record is at now' })
  version!: number;

  @IsBoolean()
  @JSONSchema({ description: 'True when the request reported a new initiative' })
  created!: boolean;

  @IsBoolean()
  @JSONSchema({ description: 'False when the content sent was the content stored (nothing published)' })
  changed!: boolean;
}

/** What every intake reply carries besides its `response` or `err`: the shape a NestJS ClientProxy expects. */
export abstract class IntakeReplyV1 {
  @IsOptional()
  @JSONSchema({ description: "The request packet's id, echoed (absent when the request carried none)" })
  id?: unknown;

  @IsIn([true])
  isDisposed!: true;
}

/** The hub's answer when the upsert was committed: the shape a NestJS ClientProxy expects. */
export class IntakeUpsertAcceptedReplyV1 extends IntakeReplyV1 {
  @IsObject()
  @ValidateNested()
  @Type(() => IntakeUpsertAcceptedV1)
  response!: IntakeUpsertAcceptedV1;
}

/**
 * What a regional system sends to withdraw one of its initiatives (reported in error): which one (`localId`, or the
 * `initiativeId` the hub gave back), why, and optionally the version it read. Nothing else (400).
 */
@JSONSchema({
  anyOf: [{ required: ['localId'] }, { required: ['initiativeId'] }],
  description: 'localId or initiativeId (or both, naming the same record)',
} as SchemaObject)
export class IntakeWithdrawRequestV1 {
  @IsOptional()
  @Matches(LOCAL_ID_PATTERN, { message: 'localId must match [A-Za-z0-9._-]{1,40}' })
  @JSONSchema({ description: 'Your own id for the initiative, as you reported it' })
  localId?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  @JSONSchema({
    description: "The initiative's id (<hub ref>-<localId>); another organisation's id is refused (403, ownPrefix)",
  })
  initiativeId?: string;

  @IsString()
  @Length(1, 1000)
  @JSONSchema({ description: 'Why the record was reported in error (1 to 1000 characters, trimmed)' })
  reason!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @JSONSchema({
    description:
      'Withdraw only if the record is still at this version (as If-Match over REST: 412 otherwise); without it, whatever is current',
  })
  expectedVersion?: number;
}

export class IntakeWithdrawAcceptedV1 {
  @IsIn(['ACCEPTED'])
  status!: 'ACCEPTED';

  @IsString()
  initiativeId!: string;

  @IsInt()
  @Min(1)
  @JSONSchema({ description: 'The version the withdrawal made (the one ctp.initiative.withdrawn.v1 carries)' })
  version!: number;

  @IsString()
  @JSONSchema({ format: 'date-time', description: 'When the hub recorded the withdrawal' })
  withdrawnAt!: string;
}

/** The hub's answer when the withdrawal was committed. */
export class IntakeWithdrawAcceptedReplyV1 extends IntakeReplyV1 {
  @IsObject()
  @ValidateNested()
  @Type(() => IntakeWithdrawAcceptedV1)
  response!: IntakeWithdrawAcceptedV1;
}

/** The hub's answer when an intake request (upsert or withdrawal) was refused, or could not be carried out now (503). */
export class IntakeUpsertRefusedReplyV1 extends IntakeReplyV1 {
  @IsObject()
  @ValidateNested()
  @Type(() => ErrorBodyV1)
  err!: ErrorBodyV1;
}

/* ------------------------------------------------------------------------------------------------------------------
 * The dead-letter stream's re-drive records (`npm run dlq -- redrive`, on ctpdlq._redriven)
 * ---------------------------------------------------------------------------------------------------------------- */

/** A dead letter as an operator sees it (scripts/dlq.ts `viewOf`): its headers, and the original envelope's ids. */
export class DeadLetterViewV1 {
  @IsInt()
  @Min(1)
  @JSONSchema({ description: 'Its sequence in CTP_DEAD_LETTERS' })
  seq!: number;

  @IsString()
  failedAt!: string;

  @IsString()
  consumer!: string;

  @IsString()
  reason!: string;

  @IsString()
  detail!: string;

  @IsString()
  originalSubject!: string;

  @IsString()
  originalSeq!: string;

  @IsString()
  deliveryCount!: string;

  @IsOptional()
  @IsIn(['binary'])
  @JSONSchema({ description: 'binary: the identity below came from the ce- headers (absent: structured, the body)' })
  contentMode?: 'binary';

  @IsOptional()
  @IsString()
  @JSONSchema({ description: "The event's source (the envelope's, or ce-source)" })
  source?: string;

  @IsOptional()
  @IsString()
  @JSONSchema({
    description:
      "The event's id (the envelope's, or ce-id), else the original's Nats-Msg-Id: what GET /events/:source/:id takes",
  })
  eventId?: string;

  @IsOptional()
  @IsString()
  eventType?: string;

  @IsOptional()
  @IsString()
  initiativeId?: string;

  @IsOptional()
  @IsString()
  @JSONSchema({ description: "The original message's Nats-Msg-Id (Ctp-Dlq-Original-Msg-Id)" })
  natsMsgId?: string;
}

export class DeadLetterRedriveRecordV1 {
  @IsObject()
  @ValidateNested()
  @Type(() => DeadLetterViewV1)
  deadLetter!: DeadLetterViewV1;

  @IsString()
  @JSONSchema({ format: 'date-time' })
  redrivenAt!: string;

  @IsString()
  @JSONSchema({ description: 'The original subject it was published on again' })
  subject!: string;

  @IsInt()
  @Min(1)
  @JSONSchema({ description: 'Its new sequence in the original stream' })
  streamSeq!: number;
}

/* ------------------------------------------------------------------------------------------------------------------
 * The classes against the types the code builds the messages with: a drift fails the build.
 * ---------------------------------------------------------------------------------------------------------------- */

type Extends<A, B> = [A] extends [B] ? true : false;
type Same<A, B> = Extends<A, B> extends true ? Extends<B, A> : false;
type Assert<T extends true> = T;

/** The platform types these as strings; the schema names their values (checked against the matcher in scripts/asyncapi.spec.ts). */
type Enumerated = 'classification' | 'previousClassification' | 'decision';
export type _OverlapChecked = [
  Assert<Same<Omit<OverlapEventData, Enumerated>, Omit<OverlapEventDataV1, Enumerated>>>,
  Assert<Extends<OverlapEventDataV1, OverlapEventData>>,
];
export type _RollupChecked = [
  Assert<Extends<RollupUpdatedData, RollupUpdatedDataV1>>,
  Assert<Same<RollupUpdatedData['totals'], RollupTotalsV1>>,
  Assert<Same<Omit<RollupUpdatedData, 'rows' | 'totals'>, Omit<RollupUpdatedDataV1, 'rows' | 'totals'>>>,
];
export type _SyncChecked = [
  Assert<Same<SourceDigest, SourceDigestV1>>,
  Assert<Same<BucketDigest, BucketDigestV1>>,
  Assert<Same<RecordVersion, RecordVersionV1>>,
];
