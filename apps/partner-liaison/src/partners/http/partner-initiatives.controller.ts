import { Access, actorOf, CurrentPrincipal, Principal } from '@ctp/auth';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res, UseFilters } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { INITIATIVE_STATUSES, InitiativeSnapshot } from '@ctp/contracts';
import { ImportPartnerCsv, ImportReport } from '../application/import-partner-csv';
import { PartnerInitiativePage, PartnerInitiativeQueries } from '../application/partner-initiative-queries';
import { RecordPartnerInitiative } from '../application/record-partner-initiative';
import { ReplacePartnerInitiative } from '../application/replace-partner-initiative';
import { WithdrawPartnerInitiative } from '../application/withdraw-partner-initiative';
import { MalformedRequest, UnsupportedMediaType } from '../domain/partner-errors';
import {
  ERROR_BODY,
  IMPORT_REPORT,
  INITIATIVE_SNAPSHOT,
  PARTNER_INITIATIVE_REQUEST,
  PARTNER_INITIATIVE_REPLACEMENT,
} from './openapi';
import { parseIfMatch } from './if-match';
import { PartnerErrorFilter } from './partner-error.filter';

/** Path of the CSV import: the colon is literal (path-to-regexp 8 would read `:import` as a parameter). */
export const IMPORT_PATH = ':ref/initiatives\\:import';

const ERRORS = {
  400: 'Malformed: a field has the wrong type or value, or is unknown (details name each one)',
  404: 'No such partner, or no such initiative of this partner',
  409: 'The initiative was withdrawn and cannot change',
  422: 'Well formed but breaks a rule: dates, status and dates, countries, status transition',
};

@ApiTags('partner initiatives')
@UseFilters(PartnerErrorFilter)
@Controller('partners')
export class PartnerInitiativesController {
  constructor(
    private readonly recordInitiative: RecordPartnerInitiative,
    private readonly replaceInitiative: ReplacePartnerInitiative,
    private readonly withdrawInitiative: WithdrawPartnerInitiative,
    private readonly importCsv: ImportPartnerCsv,
    private readonly queries: PartnerInitiativeQueries,
  ) {}

  @Post(':ref/initiatives')
  @Access('partner', 'partner-param')
  @ApiOperation({
    summary: "Report one of the partner's initiatives (create it, or send its current content)",
    description:
      'Stored as PT-<ACRONYM>-<localId> and published as ctp.initiative.reported.v1 (version 1) or .updated.v1 (content changed: version + 1) on ctp.partner.<code>.initiative.…; the same content again changes nothing. Ctp-Outcome says which: CREATED (201), UPDATED or UNCHANGED (200).',
  })
  @ApiBody({ schema: PARTNER_INITIATIVE_REQUEST })
  @ApiResponse({ status: 201, description: 'Created: the stored snapshot', schema: INITIATIVE_SNAPSHOT })
  @ApiResponse({ status: 200, description: 'Updated or unchanged: the stored snapshot', schema: INITIATIVE_SNAPSHOT })
  @ApiResponse({ status: 400, description: ERRORS[400], schema: ERROR_BODY })
  @ApiResponse({ status: 404, description: ERRORS[404], schema: ERROR_BODY })
  @ApiResponse({ status: 409, description: ERRORS[409], schema: ERROR_BODY })
  @ApiResponse({ status: 422, description: ERRORS[422], schema: ERROR_BODY })
  async record(
    @Param('ref') ref: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InitiativeSnapshot> {
    const { outcome, snapshot } = await this.recordInitiative.execute({
      partnerRef: ref,
      body,
      actor: actorOf(principal),
    });
    res.status(outcome === 'CREATED' ? 201 : 200);
    res.setHeader('Ctp-Outcome', outcome);
    res.setHeader('ETag', `"${snapshot.version}"`);
    res.setHeader(
      'Location',
      `/partners/${encodeURIComponent(ref)}/initiatives/${encodeURIComponent(localIdOf(snapshot, ref))}`,
    );
    return snapshot;
  }

  @Put(':ref/initiatives/:localId')
  @Access('partner', 'partner-param')
  @ApiOperation({
    summary: 'Replace one of the partner’s initiatives (full replacement, If-Match required)',
    description:
      'As a hub’s PUT /initiatives/:id: If-Match must carry the version being replaced. The body is the content, or the representation GET returned with the content edited: its server-managed fields (initiativeId, localId, reportingOrg, version, lastUpdatedAt) are ignored when they agree with the path and If-Match, and refused with 409/412 naming the field when they do not. Publishes ctp.initiative.updated.v1 when the content changed (Ctp-Outcome UPDATED); the same content changes nothing (UNCHANGED: same version, no event).',
  })
  @ApiBody({ schema: PARTNER_INITIATIVE_REPLACEMENT })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The version you read, e.g. "3"' })
  @ApiOkResponse({ description: 'The current snapshot', schema: INITIATIVE_SNAPSHOT })
  @ApiResponse({ status: 400, description: ERRORS[400], schema: ERROR_BODY })
  @ApiResponse({ status: 404, description: ERRORS[404], schema: ERROR_BODY })
  @ApiResponse({
    status: 409,
    description:
      'Withdrawn (cannot change), or a server-managed field of the body (initiativeId, localId, reportingOrg, withdrawal) contradicts the record the path names',
    schema: ERROR_BODY,
  })
  @ApiResponse({
    status: 412,
    description:
      "If-Match is not the current version (read again and re-apply), or the body's version is not If-Match's",
    schema: ERROR_BODY,
  })
  @ApiResponse({ status: 422, description: ERRORS[422], schema: ERROR_BODY })
  @ApiResponse({ status: 428, description: 'If-Match missing', schema: ERROR_BODY })
  async replace(
    @Param('ref') ref: string,
    @Param('localId') localId: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InitiativeSnapshot> {
    const { outcome, snapshot } = await this.replaceInitiative.execute({
      partnerRef: ref,
      localId,
      body,
      expectedVersion: parseIfMatch(ifMatch),
      actor: actorOf(principal),
    });
    res.setHeader('Ctp-Outcome', outcome);
    res.setHeader('ETag', `"${snapshot.version}"`);
    return snapshot;
  }

  @Post(IMPORT_PATH)
  @Access('partner', 'partner-param')
  @HttpCode(200)
  @ApiOperation({
    summary: "Import the partner's initiatives from a CSV file with an HXL hashtag row",
    description:
      'Content-Type: text/csv, at most 5 MB. Columns are read by their hashtags (docs/partner-csv.md). Every data row gets an outcome with its line number; rejected rows name each bad field, rule and column, and never block the others. The same file sent again changes nothing.',
  })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: 'Id,Title\n#activity+id,#activity+name+i_en\n…' } })
  @ApiOkResponse({ schema: IMPORT_REPORT })
  @ApiResponse({
    status: 400,
    description: 'No hashtag row, a mandatory hashtag missing, a quote never closed',
    schema: ERROR_BODY,
  })
  @ApiResponse({ status: 404, description: 'No such partner', schema: ERROR_BODY })
  @ApiResponse({ status: 413, description: 'Larger than 5 MB', schema: ERROR_BODY })
  @ApiResponse({ status: 415, description: 'Not sent as text/csv', schema: ERROR_BODY })
  async import(
    @Param('ref') ref: string,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ImportReport> {
    if (!/^text\/csv\s*(;|$)/i.test(contentType ?? '')) throw new UnsupportedMediaType(contentType);
    if (typeof body !== 'string' || body.trim() === '') {
      throw new MalformedRequest([
        { field: 'body', rule: 'isNotEmpty', message: 'the request body must be the CSV file (it is empty)' },
      ]);
    }
    return this.importCsv.execute({ partnerRef: ref, csv: body, actor: actorOf(principal) });
  }

  @Post(':ref/initiatives/:localId/withdraw')
  @Access('partner', 'partner-param')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Withdraw an initiative the partner reported in error',
    description: 'It leaves every count and cannot change afterwards. Publishes ctp.initiative.withdrawn.v1.',
  })
  @ApiBody({
    schema: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', maxLength: 1000 } } },
  })
  @ApiOkResponse({ description: 'The withdrawn snapshot', schema: INITIATIVE_SNAPSHOT })
  @ApiResponse({ status: 400, description: 'No reason given', schema: ERROR_BODY })
  @ApiResponse({ status: 404, description: ERRORS[404], schema: ERROR_BODY })
  @ApiResponse({ status: 409, description: 'Already withdrawn', schema: ERROR_BODY })
  async withdraw(
    @Param('ref') ref: string,
    @Param('localId') localId: string,
    @Body() body: { reason?: unknown } | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InitiativeSnapshot> {
    return this.withdrawInitiative.execute({
      partnerRef: ref,
      localId,
      reason: body?.reason,
      actor: actorOf(principal),
    });
  }

  @Get(':ref/initiatives')
  @Access(['partner', 'partners:admin'], 'partner-param')
  @ApiOperation({ summary: "The partner's initiatives as stored here, in pages (follow nextCursor)" })
  @ApiQuery({ name: 'status', required: false, enum: INITIATIVE_STATUSES })
  @ApiQuery({ name: 'includeWithdrawn', required: false, type: Boolean })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  @ApiResponse({ status: 400, description: ERRORS[400], schema: ERROR_BODY })
  @ApiResponse({ status: 404, description: 'No such partner', schema: ERROR_BODY })
  async list(
    @Param('ref') ref: string,
    @Query() query: Record<string, string | undefined>,
  ): Promise<PartnerInitiativePage> {
    return this.queries.list(ref, query);
  }

  @Get(':ref/initiatives/:localId')
  @Access(['partner', 'partners:admin'], 'partner-param')
  @ApiOperation({ summary: 'One of the partner’s initiatives, as stored here (ETag: its version)' })
  @ApiOkResponse({ schema: INITIATIVE_SNAPSHOT })
  @ApiResponse({ status: 404, description: ERRORS[404], schema: ERROR_BODY })
  async get(
    @Param('ref') ref: string,
    @Param('localId') localId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InitiativeSnapshot> {
    const snapshot = await this.queries.get(ref, localId);
    res.setHeader('ETag', `"${snapshot.version}"`);
    return snapshot;
  }
}

function localIdOf(snapshot: InitiativeSnapshot, ref: string): string {
  return snapshot.initiativeId.slice(ref.length + 1);
}
