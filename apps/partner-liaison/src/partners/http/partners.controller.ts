import { Access } from '@ctp/auth';
import { Body, Controller, Get, HttpCode, Param, Post, Put, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { PartnerRegistry } from '../application/partner-registry';
import { ERROR_BODY, PARTNER_REGISTRATION, PARTNER_UPDATE, PARTNER_VIEW } from './openapi';
import { PartnerErrorFilter } from './partner-error.filter';
import { PartnerView, toPartnerView } from './partner.views';

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
      'ref is PT-<ACRONYM>; code (the acronym in lower case) is derived and names its event source /ctp/partner-liaison/<code> and subjects ctp.partner.<code>.…',
  })
  @ApiBody({ schema: PARTNER_REGISTRATION })
  @ApiResponse({
    status: 201,
    description: 'The partner as registered (without the webhook secret)',
    schema: PARTNER_VIEW,
  })
  @ApiResponse({ status: 400, description: 'A field is missing, of the wrong type or unknown', schema: ERROR_BODY })
  @ApiResponse({ status: 409, description: 'A partner with this ref is already registered', schema: ERROR_BODY })
  @ApiResponse({ status: 422, description: 'The ref is not PT-<acronym>', schema: ERROR_BODY })
  async register(@Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<PartnerView> {
    const partner = await this.registry.register(body);
    res.setHeader('Location', `/partners/${encodeURIComponent(partner.ref)}`);
    return toPartnerView(partner);
  }

  @Get()
  @Access('partners:admin', 'interpol')
  @ApiOperation({ summary: 'Every registered partner' })
  @ApiOkResponse({ schema: { type: 'object', properties: { items: { type: 'array', items: PARTNER_VIEW } } } })
  async list(): Promise<{ items: PartnerView[] }> {
    return { items: (await this.registry.list()).map(toPartnerView) };
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
    summary: "Change a partner's name, regions, agreement or webhook",
    description: 'ref, code, acronym and type do not change.',
  })
  @ApiBody({ schema: PARTNER_UPDATE })
  @ApiOkResponse({ schema: PARTNER_VIEW })
  @ApiResponse({ status: 400, description: 'A field is missing, of the wrong type or unknown', schema: ERROR_BODY })
  @ApiResponse({ status: 404, description: 'No such partner', schema: ERROR_BODY })
  @ApiResponse({ status: 422, description: 'A webhook without a secret, and none stored', schema: ERROR_BODY })
  async update(@Param('ref') ref: string, @Body() body: unknown): Promise<PartnerView> {
    return toPartnerView(await this.registry.update(ref, body));
  }
}
