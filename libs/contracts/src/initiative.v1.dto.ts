import 'reflect-metadata';
import { JSONSchema } from 'class-validator-jsonschema';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  ACTION_STREAMS,
  ActionStream,
  CAPABILITIES,
  Capability,
  INITIATIVE_KINDS,
  INITIATIVE_SCOPES,
  INITIATIVE_STATUSES,
  InitiativeKind,
  InitiativeScope,
  InitiativeStatus,
  LANGUAGES,
  Language,
  ORG_ROLES,
  OrgRole,
  RELATED_INITIATIVE_TYPES,
  REPORTING_ORG_TYPES,
  ReportingOrgType,
  VISIBILITIES,
  Visibility,
} from './initiative';

/*
 * `ctp:initiative:v1` as class-validator classes: the one definition of a snapshot's shape. The hub validates requests
 * with them, consumers validate events with them, and `npm run contracts:schema` turns them into JSON Schema for teams
 * that do not use NestJS. A `v2` would live beside this file.
 */

/**
 * A date's shape, YYYY-MM-DD. Whether the day exists (no 30 February) and lies from 1990-01-01 to 2099-12-31 is a rule
 * (`isoDate`, initiative-rules.ts): a reporter gets 422 for it, like a date in the wrong order.
 */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_MESSAGE = '$property must be a date YYYY-MM-DD';

export class LocalizedTextV1 {
  @IsIn(LANGUAGES)
  @JSONSchema({ description: "Language of the text: one of INTERPOL's four working languages" })
  lang!: Language;

  @IsString()
  @Length(1, 500)
  text!: string;
}

export class ActionStreamsV1 {
  @IsIn(ACTION_STREAMS)
  @JSONSchema({ description: "The strategy's action stream this initiative serves first; rollups count this one only" })
  primary!: ActionStream;

  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(4)
  @IsIn(ACTION_STREAMS, { each: true })
  @JSONSchema({ description: 'Other action streams it also serves (not the primary)' })
  secondary!: ActionStream[];
}

export class DatesV1 {
  @Matches(ISO_DATE, { message: ISO_DATE_MESSAGE })
  @JSONSchema({
    description: 'Planned start date (YYYY-MM-DD, a real day from 1990-01-01 to 2099-12-31); not after plannedEnd',
  })
  plannedStart!: string;

  @Matches(ISO_DATE, { message: ISO_DATE_MESSAGE })
  @JSONSchema({
    description:
      'Planned end date (YYYY-MM-DD, a real day from 1990-01-01 to 2099-12-31); at most 10 years after plannedStart',
  })
  plannedEnd!: string;

  @IsOptional()
  @Matches(ISO_DATE, { message: ISO_DATE_MESSAGE })
  @JSONSchema({
    description:
      'Actual start (YYYY-MM-DD, from 1990-01-01 to 2099-12-31): required from IMPLEMENTATION on, absent in PIPELINE, not after the report time',
  })
  actualStart?: string;

  @IsOptional()
  @Matches(ISO_DATE, { message: ISO_DATE_MESSAGE })
  @JSONSchema({
    description:
      'Actual end (YYYY-MM-DD, from 1990-01-01 to 2099-12-31): required for FINALISATION and CLOSED, not after the report time, at most 10 years after actualStart',
  })
  actualEnd?: string;
}

export class ParticipatingOrgV1 {
  @IsString()
  @Length(1, 100)
  ref!: string;

  @IsString()
  @Length(1, 300)
  name!: string;

  @IsIn(ORG_ROLES)
  @JSONSchema({ description: 'IATI organisation role in the initiative' })
  role!: OrgRole;
}

export class RelatedInitiativeV1 {
  @IsString()
  @Length(1, 120)
  ref!: string;

  @IsInt()
  @IsIn(RELATED_INITIATIVE_TYPES, {
    message: '$property must be 1 (parent), 2 (child), 3 (sibling), 4 (co-funded) or 5 (third party)',
  })
  @JSONSchema({
    description:
      "1 parent, 2 child, 3 sibling, 4 co-funded, 5 third party (another organisation's report of this same activity)",
  })
  type!: number;
}

export class OtherIdentifierV1 {
  @IsString()
  @Length(1, 120)
  ref!: string;

  @IsString()
  @Length(1, 100)
  @JSONSchema({ description: 'Organisation that issued this other identifier' })
  ownerOrg!: string;
}

export class ReportingOrgV1 {
  @Matches(/^(IP-HUB-(AFR|MDE|ASI|EUR)|IP-GS-CTP|PT-[A-Z0-9]{2,20})$/, {
    message: 'reportingOrg.ref must be IP-HUB-<AFR|MDE|ASI|EUR>, IP-GS-CTP or PT-<ACRONYM>',
  })
  ref!: string;

  @IsIn(REPORTING_ORG_TYPES)
  type!: ReportingOrgType;

  @IsBoolean()
  @JSONSchema({ description: 'True for partner records relayed by partner-liaison' })
  secondaryReporter!: boolean;
}

export class WithdrawalV1 {
  @IsString()
  @Length(1, 1000)
  reason!: string;

  @IsString()
  withdrawnAt!: string;
}

/** What a reporter says about an initiative: everything but the identity and versioning the owner assigns. */
export class InitiativeContentV1 {
  @IsIn(INITIATIVE_KINDS)
  @JSONSchema({
    description:
      'PRJ project/programme, OPS operation, TRN training, MTG meeting/workshop/working group/conference, DEP deployment/field support',
  })
  kind!: InitiativeKind;

  @IsOptional()
  @Matches(/^[A-Z0-9-]{1,40}$/, {
    message: 'codeName must be upper-case letters, digits and dashes ([A-Z0-9-]+), at most 40',
  })
  @JSONSchema({ description: 'Operation name, the same in every language' })
  codeName?: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => LocalizedTextV1)
  title!: LocalizedTextV1;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @ValidateNested({ each: true })
  @Type(() => LocalizedTextV1)
  @JSONSchema({ description: 'Translations of the title, at most one per language' })
  titleAlt?: LocalizedTextV1[];

  @IsOptional()
  @IsString()
  @MaxLength(4000)
  @JSONSchema({ description: 'Coordination metadata only: never personal data' })
  description?: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ActionStreamsV1)
  actionStreams!: ActionStreamsV1;

  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(CAPABILITIES, { each: true })
  @JSONSchema({ description: 'INTERPOL capabilities the initiative uses' })
  capabilities?: Capability[];

  @IsIn(INITIATIVE_STATUSES)
  @JSONSchema({
    description:
      'IATI activity status; transitions: PIPELINE→IMPLEMENTATION|CANCELLED, IMPLEMENTATION→FINALISATION|CLOSED|SUSPENDED|CANCELLED, SUSPENDED→IMPLEMENTATION|CANCELLED, FINALISATION→CLOSED',
  })
  status!: InitiativeStatus;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DatesV1)
  dates!: DatesV1;

  @IsIn(INITIATIVE_SCOPES)
  @JSONSchema({ description: 'GLOBAL initiatives list no recipient countries' })
  scope!: InitiativeScope;

  @IsArray()
  @ArrayMaxSize(250)
  @IsString({ each: true })
  @JSONSchema({ description: 'ISO 3166-1 alpha-2 codes, upper case, no repeats' })
  recipientCountries!: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ParticipatingOrgV1)
  participatingOrgs?: ParticipatingOrgV1[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RelatedInitiativeV1)
  relatedInitiatives?: RelatedInitiativeV1[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => OtherIdentifierV1)
  otherIdentifiers?: OtherIdentifierV1[];

  @IsIn(VISIBILITIES)
  @JSONSchema({
    description: 'PARTNER_SHAREABLE records may be shown to partners; INTERPOL_RESTRICTED ones never leave INTERPOL',
  })
  visibility!: Visibility;
}

/*
 * The owner-assigned identity and versioning of a record, shared by the whole snapshot and the withdrawal tombstone
 * (one definition of each field: a decorator applying its rules, in the order they were always declared).
 */
type FieldDecorator = (target: object, key: string) => void;

function fieldRules(...decorators: FieldDecorator[]): FieldDecorator {
  return (target, key) => {
    for (const d of [...decorators].reverse()) d(target, key);
  };
}

const InitiativeIdField = () =>
  fieldRules(
    IsString(),
    Length(3, 200),
    JSONSchema({ description: '<reportingOrg.ref>-<localId>; assigned by the owner, immutable' }),
  );
const ReportingOrgField = () =>
  fieldRules(
    IsDefined(),
    IsObject(),
    ValidateNested(),
    Type(() => ReportingOrgV1),
  );
const VersionField = () =>
  fieldRules(
    IsInt(),
    Min(1),
    Max(2_000_000_000),
    JSONSchema({ description: '+1 on every accepted change, assigned by the owner' }),
  );
const LastUpdatedAtField = () =>
  fieldRules(
    IsString(),
    JSONSchema({ description: 'ISO 8601 timestamp of the change (the report time), set by the owner' }),
  );

/** The whole snapshot as it travels in events. */
export class InitiativeSnapshotV1 extends InitiativeContentV1 {
  @InitiativeIdField()
  initiativeId!: string;

  @ReportingOrgField()
  reportingOrg!: ReportingOrgV1;

  @VersionField()
  version!: number;

  @LastUpdatedAtField()
  lastUpdatedAt!: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => WithdrawalV1)
  @JSONSchema({
    description: 'Present once the record was withdrawn (reported in error); it then counts nowhere and never changes',
  })
  withdrawal?: WithdrawalV1;
}

/** A tombstone's withdrawal: the reason, and optionally when (the tombstone's `lastUpdatedAt` when absent). */
export class TombstoneWithdrawalV1 {
  @IsString()
  @Length(1, 1000)
  reason!: string;

  @IsOptional()
  @IsString()
  @JSONSchema({ description: 'ISO 8601 timestamp of the withdrawal; consumers take lastUpdatedAt when it is absent' })
  withdrawnAt?: string;
}

/**
 * `ctp:initiative-withdrawal:v1`: the data of a `ctp.initiative.withdrawn.v1` event that carries only the withdrawal
 * (a tombstone) instead of the whole snapshot. Consumers keep the content of the last full snapshot they hold and
 * mark it withdrawn (docs/contract.md, "Withdrawals: full snapshot or tombstone").
 */
@JSONSchema({
  title: 'ctp:initiative-withdrawal:v1',
  description:
    'A withdrawal tombstone: the identity, the new version and the reason, without the content (which consumers keep from the last full snapshot they hold). Only on ctp.initiative.withdrawn.v1 events; none of the content fields may be present',
})
export class InitiativeWithdrawalV1 {
  @InitiativeIdField()
  initiativeId!: string;

  @ReportingOrgField()
  reportingOrg!: ReportingOrgV1;

  @VersionField()
  version!: number;

  @LastUpdatedAtField()
  lastUpdatedAt!: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => TombstoneWithdrawalV1)
  @JSONSchema({ description: 'Why the record was reported in error (and when, optionally)' })
  withdrawal!: TombstoneWithdrawalV1;
}

/** The body of a hub's `POST /initiatives`: the content, and optionally the reporter's own id for it. */
export class ReportInitiativeRequestV1 extends InitiativeContentV1 {
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,40}$/, { message: 'localId must match [A-Za-z0-9._-]{1,40}' })
  @JSONSchema({
    description: 'Your own id for it; the initiative id becomes <hub ref>-<localId>. Generated when absent',
  })
  localId?: string;
}
