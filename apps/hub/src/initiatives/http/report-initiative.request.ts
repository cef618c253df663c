import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import {
  ACTION_STREAMS,
  ActionStream,
  INITIATIVE_KINDS,
  INITIATIVE_STATUSES,
  InitiativeKind,
  InitiativeStatus,
  LANGUAGES,
  Language,
  LOCAL_ID_PATTERN,
  VISIBILITIES,
  Visibility,
} from '@ctp/contracts';

export class LocalizedTextRequest {
  @ApiProperty({ enum: LANGUAGES })
  @IsIn(LANGUAGES)
  lang: Language;

  @ApiProperty({ minLength: 1, maxLength: 500 })
  @IsString()
  @Length(1, 500)
  text: string;
}

export class ActionStreamsRequest {
  @ApiProperty({ enum: ACTION_STREAMS })
  @IsIn(ACTION_STREAMS)
  primary: ActionStream;

  @ApiPropertyOptional({ enum: ACTION_STREAMS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(ACTION_STREAMS, { each: true })
  secondary?: ActionStream[];
}

export class DatesRequest {
  @ApiPropertyOptional({ format: 'date' }) @IsOptional() @IsISO8601({ strict: true }) plannedStart?: string;
  @ApiPropertyOptional({ format: 'date' }) @IsOptional() @IsISO8601({ strict: true }) plannedEnd?: string;
  @ApiPropertyOptional({ format: 'date' }) @IsOptional() @IsISO8601({ strict: true }) actualStart?: string;
  @ApiPropertyOptional({ format: 'date' }) @IsOptional() @IsISO8601({ strict: true }) actualEnd?: string;
}

/**
 * What a regional hub system sends to report an initiative. The hub assigns `initiativeId`, `reportingOrg`, `version`
 * and `lastUpdatedAt`. (The full `ctp:initiative:v1` field set and its rules come with the contracts library.)
 */
export class ReportInitiativeRequest {
  @ApiPropertyOptional({
    description: 'Your own id for it; the initiative id becomes <hub ref>-<localId>',
    pattern: LOCAL_ID_PATTERN.source,
  })
  @IsOptional()
  @Matches(LOCAL_ID_PATTERN, { message: 'localId must match [A-Za-z0-9._-]{1,40}' })
  localId?: string;

  @ApiProperty({ enum: INITIATIVE_KINDS })
  @IsIn(INITIATIVE_KINDS)
  kind: InitiativeKind;

  @ApiProperty({ type: LocalizedTextRequest })
  @IsObject()
  @ValidateNested()
  @Type(() => LocalizedTextRequest)
  title: LocalizedTextRequest;

  @ApiProperty({ type: ActionStreamsRequest })
  @IsObject()
  @ValidateNested()
  @Type(() => ActionStreamsRequest)
  actionStreams: ActionStreamsRequest;

  @ApiProperty({ enum: INITIATIVE_STATUSES })
  @IsIn(INITIATIVE_STATUSES)
  status: InitiativeStatus;

  @ApiPropertyOptional({ type: DatesRequest })
  @IsOptional()
  @ValidateNested()
  @Type(() => DatesRequest)
  dates?: DatesRequest;

  @ApiProperty({ type: [String], example: ['FR', 'DE'], description: 'ISO 3166-1 alpha-2, upper case, no repeats' })
  @IsArray()
  @ArrayUnique()
  @Matches(/^[A-Z]{2}$/, {
    each: true,
    message: 'each recipientCountries entry must be an ISO 3166-1 alpha-2 code in upper case',
  })
  recipientCountries: string[];

  @ApiProperty({ enum: VISIBILITIES })
  @IsIn(VISIBILITIES)
  visibility: Visibility;
}
