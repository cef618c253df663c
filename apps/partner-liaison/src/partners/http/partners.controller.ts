import { Access, actorOf, CurrentPrincipal, Principal } from '@ctp/auth';
import { Body, Controller, Get, HttpCode, Param, Post, Put, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { PartnerChange, PartnerRegistry } from '../application/partner-registry';
import { ERROR_BODY, PARTNER_REGISTRATION, PARTNER_UPDATE, PARTNER_VIEW } from './openapi';
import { PartnerErrorFilter } from './partner-error.filter';
import { PartnerView, toPartnerView } from './partner.views';

const WEBHOOK_URL_REFUSED =
  'Breaks a rule: the ref is not PT-<acronym>, or webhook.url is not an allowed destination (https:// only; its host must resolve to public addresses only: no loopback, private, link-local, CGNAT, metadata, multicast; no user:password)';

/** The answer to a change that may have generated a webhook secret: never cached anywhere on the way. */
function answer(res: Response, change: PartnerChange): PartnerView {
  if (change.secret) res.setHeader('Cache-Control', 'no-store');
  return toPartnerView(change.partner, change.secret);
}

@ApiTags('partners')
@UseFilters(PartnerErrorFilter)
@Controller('partners')
export class PartnersController {
  constructor(private readonly registry: PartnerRegistry) {}

  @Post()
  @Access('partners:admin', 'interpol')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register a partner organisation',
    description:
      'ref is PT-<ACRONYM>; code (the acronym in lower case) is derived and names its event source /ctp/partner-liaison/<code> and subjects ctp.partner.<code>.… With a webhook, the server generates its signing secret (whsec_…) and shows it in this answer only (webhook.secret): hand it to the partner. Recorded in the audit with who made it.',
  })
  @ApiBody({ schema: PARTNER_REGISTRATION })
  @ApiResponse({
    status: 201,
    description: 'The partner as registered; webhook.secret (if a webhook was given) is shown this once',
    schema: PARTNER_VIEW,
  })
  @ApiResponse({
    status: 400,
    description: 'A field is missing, of the wrong type or unknown (webhook.secret: never supplied)',
    schema: ERROR_BODY,
  })
  @ApiResponse({ status: 409, description: 'A partner with this ref is already registered', schema: ERROR_BODY })
  @ApiResponse({ status: 422, description: WEBHOOK_URL_REFUSED, schema: ERROR_BODY })
  async register(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PartnerView> {
    const change = await this.registry.register(body, actorOf(principal));
    res.setHeader('Location', `/partners/${encodeURIComponent(change.partner.ref)}`);
    return answer(res, change);
  }

  @Get()
  @Access('partners:admin', 'interpol')
  @ApiOperation({ summary: 'Every registered partner (never a webhook secret)' })
  @ApiOkResponse({ schema: { type: 'object', properties: { items: { type: 'array', items: PARTNER_VIEW } } } })
  async list(): Promise<{ items: PartnerView[] }> {
    return { items: (await this.registry.list()).map((p) => toPartnerView(p)) };
  }

  @Get(':ref')
  @Access(['partner', 'partners:admin'], 'partner-param')
  @ApiOperation({ summary: 'One partner (the webhook secret is never shown: secretSet says whether there is one)' })
  @ApiOkResponse({ schema: PARTNER_VIEW })
  @ApiResponse({ status: 404, description: 'No such partner', schema: ERROR_BODY })
  async get(@Param('ref') ref: string): Promise<PartnerView> {
    return toPartnerView(await this.registry.get(ref));
  }

  @Put(':ref')
  @Access('partners:admin', 'interpol')
  @ApiOperation({
    summary: "Change a partner's name, regions, agreement or webhook URL",
    description:
      'ref, code, acronym and type do not change. A new webhook URL always gets a new secret (shown in this answer only, webhook.secret); the previous secret stops signing at once. The same URL keeps its secret. Recorded in the audit with who made it.',
  })
  @ApiBody({ schema: PARTNER_UPDATE })
  @ApiOkResponse({ schema: PARTNER_VIEW })
  @ApiResponse({
    status: 400,
    description: 'A field is missing, of the wrong type or unknown (webhook.secret: never supplied)',
    schema: ERROR_BODY,
  })
  @ApiResponse({ status: 404, description: 'No such partner', schema: ERROR_BODY })
  @ApiResponse({ status: 422, description: WEBHOOK_URL_REFUSED, schema: ERROR_BODY })
  async update(
    @Param('ref') ref: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PartnerView> {
    return answer(res, await this.registry.update(ref, body, actorOf(principal)));
  }

  @Post(':ref/webhook/rotate-secret')
  @Access('partners:admin', 'interpol')
  @HttpCode(200)
  @ApiOperation({
    summary: "Rotate the partner's webhook signing secret",
    description:
      'Generates a new secret, shown in this answer only (webhook.secret). Until webhook.previousSecretValidUntil (WEBHOOK_SECRET_GRACE_MS, 24 h by default) every delivery carries two signatures, one per secret, so the partner can switch over; then only the new secret signs. No body (or {}): the secret is never supplied. Recorded in the audit with who made it.',
  })
  @ApiOkResponse({ schema: PARTNER_VIEW })
  @ApiResponse({ status: 400, description: 'A body with fields (e.g. a secret)', schema: ERROR_BODY })
  @ApiResponse({ status: 404, description: 'No such partner', schema: ERROR_BODY })
  @ApiResponse({ status: 409, description: 'The partner has no webhook', schema: ERROR_BODY })
  async rotateSecret(
    @Param('ref') ref: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PartnerView> {
    return answer(res, await this.registry.rotateSecret(ref, body, actorOf(principal)));
  }
}
