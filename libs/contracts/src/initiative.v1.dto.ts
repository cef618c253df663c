import 'reflect-metadata';
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

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_MESSAGE = '$property must be a date YYYY-MM-DD';

export class LocalizedTextV1 {
  @IsIn(LANGUAGES)
  lang!: Language;

  @IsString()
  @Length(1, 500)
  text!: string;
}

export class ActionStreamsV1 {
  @IsIn(ACTION_STREAMS)
  primary!: ActionStream;

  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(4)
  @IsIn(ACTION_STREAMS, { each: true })
  secondary!: ActionStream[];
}

export class DatesV1 {
  @Matches(ISO_DATE, { message: ISO_DATE_MESSAGE })
  plannedStart!: string;

  @Matches(ISO_DATE, { message: ISO_DATE_MESSAGE })
  plannedEnd!: string;

  @IsOptional()
  @Matches(ISO_DATE, { message: ISO_DATE_MESSAGE })
  actualStart?: string;

  @IsOptional()
  @Matches(ISO_DATE, { message: ISO_DATE_MESSAGE })
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
  type!: number;
}

export class OtherIdentifierV1 {
  @IsString()
  @Length(1, 120)
  ref!: string;

  @IsString()
  @Length(1, 100)
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
  kind!: InitiativeKind;

  @IsOptional()
  @Matches(/^[A-Z0-9-]{1,40}$/, {
    message: 'codeName must be upper-case letters, digits and dashes ([A-Z0-9-]+), at most 40',
  })
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
  titleAlt?: LocalizedTextV1[];

  @IsOptional()
  @IsString()
  @MaxLength(4000)
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
  capabilities?: Capability[];

  @IsIn(INITIATIVE_STATUSES)
  status!: InitiativeStatus;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DatesV1)
  dates!: DatesV1;

  @IsIn(INITIATIVE_SCOPES)
  scope!: InitiativeScope;

  @IsArray()
  @ArrayMaxSize(250)
  @IsString({ each: true })
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
  visibility!: Visibility;
}

/** The whole snapshot as it travels in events. */
export class InitiativeSnapshotV1 extends InitiativeContentV1 {
  @IsString()
  @Length(3, 200)
  initiativeId!: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReportingOrgV1)
  reportingOrg!: ReportingOrgV1;

  @IsInt()
  @Min(1)
  @Max(2_000_000_000)
  version!: number;

  @IsString()
  lastUpdatedAt!: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => WithdrawalV1)
  withdrawal?: WithdrawalV1;
}

/** The body of a hub's `POST /initiatives`: the content, and optionally the reporter's own id for it. */
export class ReportInitiativeRequestV1 extends InitiativeContentV1 {
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,40}$/, { message: 'localId must match [A-Za-z0-9._-]{1,40}' })
  localId?: string;
}
