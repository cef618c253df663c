import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
  validateSync,
} from 'class-validator';
import { FieldProblem, flattenValidationErrors } from '@ctp/contracts';
import { MalformedRequest, RuleViolation } from './partner-errors';

export const PARTNER_TYPES = ['UN_ENTITY', 'REGIONAL_POLICE', 'OTHER_IO'] as const;
export type PartnerType = (typeof PARTNER_TYPES)[number];

/** The regions a partner covers (what it may be shown going out); GLB for the global ones. */
export const PARTNER_REGIONS = ['AFR', 'MDE', 'ASI', 'EUR', 'GLB'] as const;
export type PartnerRegion = (typeof PARTNER_REGIONS)[number];

export const ACRONYM_PATTERN = /^[A-Z0-9]{2,20}$/;
export const PARTNER_REF_PATTERN = /^PT-[A-Z0-9]{2,20}$/;

export interface PartnerWebhook {
  url: string;
  secret?: string;
}

/** A partner organisation as registered here; `ref` (`PT-<ACRONYM>`) prefixes the ids of everything it reports. */
export interface Partner {
  ref: string;
  /** The acronym in lower case: names the partner's event source and NATS subjects. */
  code: string;
  name: string;
  acronym: string;
  type: PartnerType;
  regions: PartnerRegion[];
  agreement: string;
  webhook?: PartnerWebhook;
  createdAt?: string;
  updatedAt?: string;
}

const NOT_BLANK = /\S/;

export class PartnerWebhookInput {
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'url must be an http:// or https:// URL' },
  )
  @MaxLength(2000)
  url!: string;

  @IsString()
  @Length(16, 500, { message: 'secret must be 16 to 500 characters (it signs what is sent to the webhook)' })
  secret!: string;
}

/** On update the secret may be left out: the one already stored is kept. */
export class PartnerWebhookUpdateInput {
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'url must be an http:// or https:// URL' },
  )
  @MaxLength(2000)
  url!: string;

  @IsOptional()
  @IsString()
  @Length(16, 500, { message: 'secret must be 16 to 500 characters (it signs what is sent to the webhook)' })
  secret?: string;
}

export class PartnerUpdateInput {
  @IsString()
  @Length(1, 300)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name!: string;

  @IsArray()
  @ArrayNotEmpty({ message: 'regions must list at least one of AFR, MDE, ASI, EUR, GLB' })
  @ArrayUnique({ message: 'regions must not repeat a region' })
  @IsIn(PARTNER_REGIONS, { each: true, message: 'each region must be one of AFR, MDE, ASI, EUR, GLB' })
  regions!: PartnerRegion[];

  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'agreement must name the agreement, e.g. "MoU 2019-07"' })
  agreement!: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PartnerWebhookUpdateInput)
  webhook?: PartnerWebhookUpdateInput | null;
}

export class PartnerRegistrationInput {
  @Matches(PARTNER_REF_PATTERN, { message: 'ref must be PT-<ACRONYM>, ACRONYM being 2 to 20 of A-Z and 0-9' })
  ref!: string;

  @Matches(ACRONYM_PATTERN, { message: 'acronym must be 2 to 20 upper-case letters or digits (A-Z, 0-9)' })
  acronym!: string;

  @IsString()
  @Length(1, 300)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name!: string;

  @IsIn(PARTNER_TYPES, { message: `type must be one of ${PARTNER_TYPES.join(', ')}` })
  type!: PartnerType;

  @IsArray()
  @ArrayNotEmpty({ message: 'regions must list at least one of AFR, MDE, ASI, EUR, GLB' })
  @ArrayUnique({ message: 'regions must not repeat a region' })
  @IsIn(PARTNER_REGIONS, { each: true, message: 'each region must be one of AFR, MDE, ASI, EUR, GLB' })
  regions!: PartnerRegion[];

  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'agreement must name the agreement, e.g. "MoU 2019-07"' })
  agreement!: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PartnerWebhookInput)
  webhook?: PartnerWebhookInput;
}

const VALIDATOR_OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

/** Fields that are not the caller's to set, with what to do instead. */
const NOT_SETTABLE: Record<'register' | 'update', Record<string, string>> = {
  register: { code: 'code is derived from the acronym (in lower case): leave it out' },
  update: {
    ref: 'ref cannot change: register the partner under its new ref instead',
    code: 'code cannot change: it is derived from the acronym',
    acronym: 'acronym cannot change: it is part of the ref',
    type: 'type cannot change here',
  },
};

function shapeProblems<T extends object>(
  cls: new () => T,
  body: unknown,
  notSettable: Record<string, string>,
): FieldProblem[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [{ field: 'body', rule: 'isObject', message: 'the request body must be a JSON object' }];
  }
  return flattenValidationErrors(validateSync(plainToInstance(cls, body), VALIDATOR_OPTIONS)).map((p) =>
    p.rule === 'whitelistValidation' && notSettable[p.field] ? { ...p, message: notSettable[p.field] } : p,
  );
}

/** Regions in one fixed order, so that two equal sets read and compare the same. */
function orderedRegions(regions: readonly PartnerRegion[]): PartnerRegion[] {
  return PARTNER_REGIONS.filter((r) => regions.includes(r));
}

/** A new partner from `POST /partners`: 400 when malformed, 422 when the ref is not `PT-<acronym>`. */
export function newPartner(body: unknown): Partner {
  const problems = shapeProblems(PartnerRegistrationInput, body, NOT_SETTABLE.register);
  if (problems.length) throw new MalformedRequest(problems);
  const input = body as PartnerRegistrationInput;
  if (input.ref !== `PT-${input.acronym}`) {
    throw new RuleViolation([
      {
        field: 'acronym',
        rule: 'matchesRef',
        message: `the ref must be PT- followed by the acronym: ref ${input.ref} with acronym ${input.acronym} (expected PT-${input.acronym})`,
      },
    ]);
  }
  return {
    ref: input.ref,
    code: input.acronym.toLowerCase(),
    name: input.name.trim(),
    acronym: input.acronym,
    type: input.type,
    regions: orderedRegions(input.regions),
    agreement: input.agreement.trim(),
    ...(input.webhook ? { webhook: { url: input.webhook.url, secret: input.webhook.secret } } : {}),
  };
}

/**
 * `current` with the editable fields replaced by `body` (name, regions, agreement, webhook). A webhook left out (or
 * null) is removed; a webhook without a secret keeps the stored one, so a client that never saw the secret can still
 * change the URL.
 */
export function updatedPartner(current: Partner, body: unknown): Partner {
  const problems = shapeProblems(PartnerUpdateInput, body, NOT_SETTABLE.update);
  if (problems.length) throw new MalformedRequest(problems);
  const input = body as PartnerUpdateInput;
  let webhook: PartnerWebhook | undefined;
  if (input.webhook) {
    const secret = input.webhook.secret ?? current.webhook?.secret;
    if (!secret) {
      throw new RuleViolation([
        {
          field: 'webhook.secret',
          rule: 'secretRequired',
          message: 'no webhook secret is stored for this partner yet: send webhook.secret (16 characters or more)',
        },
      ]);
    }
    webhook = { url: input.webhook.url, secret };
  }
  return {
    ...current,
    name: input.name.trim(),
    regions: orderedRegions(input.regions),
    agreement: input.agreement.trim(),
    webhook,
  };
}

/** True when the editable fields of `a` and `b` are the same (an update that changes nothing writes nothing). */
export function samePartner(a: Partner, b: Partner): boolean {
  return (
    a.name === b.name &&
    a.agreement === b.agreement &&
    a.regions.join() === b.regions.join() &&
    a.webhook?.url === b.webhook?.url &&
    a.webhook?.secret === b.webhook?.secret
  );
}
