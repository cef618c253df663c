import { Access, actorOf, CurrentPrincipal, Principal } from '@ctp/auth';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ACTION_STREAMS, INITIATIVE_STATUSES, InitiativeSnapshot } from '@ctp/contracts';
import { ReplaceInitiative } from '../application/replace-initiative';
import { ReportInitiative } from '../application/report-initiative';
import { WithdrawInitiative } from '../application/withdraw-initiative';
import { InitiativeNotFound } from '../domain/initiative-errors';
import { InitiativeQueries, InitiativePage } from '../application/initiative-queries';
import { InitiativeErrorFilter } from './initiative-error.filter';
import { etag, parseIdempotencyKey, parseIfMatch } from './http-preconditions';
import { replaceRequestSchema, schemaRef } from './openapi';

const ERRORS = {
  400: 'Malformed: a field has the wrong type or value, or is unknown (details name each one)',
  403: "The id is under another organisation's prefix",
  404: 'No such initiative at this hub',
  409: 'Already exists, or withdrawn (cannot change)',
  412: 'If-Match is not the current version: read again and re-apply',
  422: 'Well-formed but breaks a rule: dates, status and dates, countries, status transition, reused Idempotency-Key',
  428: 'If-Match missing',
};

/** PUT's 409 and 412 also cover the server-managed fields a body may carry (the GET representation sent back). */
const PUT_ERRORS = {
  409: 'Withdrawn (cannot change), or a server-managed field of the body (initiativeId, localId, reportingOrg, withdrawal) contradicts the record the path names',
  412: "If-Match is not the current version (read again and re-apply), or the body's version is not If-Match's",
};

@ApiTags('initiatives')
@UseFilters(InitiativeErrorFilter)
@Controller('initiatives')
export class InitiativesController {
  constructor(
    private readonly reportInitiative: ReportInitiative,
    private readonly replaceInitiative: ReplaceInitiative,
    private readonly withdrawInitiative: WithdrawInitiative,
    private readonly queries: InitiativeQueries,
  ) {}

  @Post()
  @Access('initiatives:write', 'own')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Report a new initiative',
    description:
      'Stores it at version 1 and publishes ctp.initiative.reported.v1. The id is <this hub>-<localId>; without localId one is generated. A retry with the same Idempotency-Key returns the first answer.',
  })
  @ApiBody({ schema: schemaRef('ReportInitiativeRequestV1') })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiResponse({ status: 201, description: 'The stored snapshot', schema: schemaRef('InitiativeSnapshotV1') })
  @ApiResponse({ status: 400, description: ERRORS[400], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 409, description: ERRORS[409], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 422, description: ERRORS[422], schema: schemaRef('ErrorBody') })
  async report(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InitiativeSnapshot> {
    const { snapshot, replayed } = await this.reportInitiative.execute({
      actor: actorOf(principal),
      body,
      idempotencyKey: parseIdempotencyKey(idempotencyKey),
    });
    res.setHeader('ETag', etag(snapshot.version));
    res.setHeader('Location', `/initiatives/${encodeURIComponent(snapshot.initiativeId)}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return snapshot;
  }

  @Put(':initiativeId')
  @Access('initiatives:write', 'own')
  @ApiOperation({
    summary: 'Replace an initiative (full replacement)',
    description:
      'If-Match must carry the version being replaced. The body is the content, or the representation GET returned with the content edited: its server-managed fields (initiativeId, localId, reportingOrg, version, lastUpdatedAt) are ignored when they agree with the path and If-Match, and refused with 409/412 naming the field when they do not. A body equal to what is stored changes nothing (same version, no event).',
  })
  @ApiBody({ schema: replaceRequestSchema() })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The version you read, e.g. "3"' })
  @ApiResponse({ status: 200, description: 'The current snapshot', schema: schemaRef('InitiativeSnapshotV1') })
  @ApiResponse({ status: 400, description: ERRORS[400], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 403, description: ERRORS[403], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 404, description: ERRORS[404], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 409, description: PUT_ERRORS[409], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 412, description: PUT_ERRORS[412], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 422, description: ERRORS[422], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 428, description: ERRORS[428], schema: schemaRef('ErrorBody') })
  async replace(
    @Param('initiativeId') initiativeId: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InitiativeSnapshot> {
    const { snapshot } = await this.replaceInitiative.execute({
      actor: actorOf(principal),
      initiativeId,
      body,
      representation: true,
      expectedVersion: parseIfMatch(ifMatch, true)!,
    });
    res.setHeader('ETag', etag(snapshot.version));
    return snapshot;
  }

  @Post(':initiativeId/withdraw')
  @Access('initiatives:write', 'own')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Withdraw an initiative reported in error',
    description: 'It leaves every count and cannot change afterwards. Publishes ctp.initiative.withdrawn.v1.',
  })
  @ApiBody({
    schema: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', maxLength: 1000 } } },
  })
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiResponse({ status: 200, description: 'The withdrawn snapshot', schema: schemaRef('InitiativeSnapshotV1') })
  @ApiResponse({ status: 403, description: ERRORS[403], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 404, description: ERRORS[404], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 409, description: ERRORS[409], schema: schemaRef('ErrorBody') })
  @ApiResponse({ status: 412, description: ERRORS[412], schema: schemaRef('ErrorBody') })
  async withdraw(
    @Param('initiativeId') initiativeId: string,
    @Body() body: { reason?: unknown } | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InitiativeSnapshot> {
    const snapshot = await this.withdrawInitiative.execute({
      actor: actorOf(principal),
      initiativeId,
      reason: body?.reason,
      expectedVersion: parseIfMatch(ifMatch, false),
    });
    res.setHeader('ETag', etag(snapshot.version));
    return snapshot;
  }

  @Get(':initiativeId')
  @Access('initiatives:read', 'own-or-gs')
  @ApiOperation({ summary: 'One initiative, as stored (ETag: its version)' })
  @ApiOkResponse({ schema: schemaRef('InitiativeSnapshotV1') })
  @ApiResponse({ status: 404, description: ERRORS[404], schema: schemaRef('ErrorBody') })
  async get(
    @Param('initiativeId') initiativeId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InitiativeSnapshot> {
    const stored = await this.queries.get(initiativeId);
    if (!stored) throw new InitiativeNotFound(initiativeId);
    res.setHeader('ETag', etag(stored.version));
    return stored;
  }

  @Get()
  @Access('initiatives:read', 'own-or-gs')
  @ApiOperation({ summary: "This hub's initiatives, filtered, in pages (follow nextCursor)" })
  @ApiQuery({ name: 'status', required: false, enum: INITIATIVE_STATUSES })
  @ApiQuery({ name: 'primaryActionStream', required: false, enum: ACTION_STREAMS })
  @ApiQuery({ name: 'country', required: false, description: 'ISO 3166-1 alpha-2' })
  @ApiQuery({ name: 'includeWithdrawn', required: false, type: Boolean })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  @ApiResponse({ status: 400, description: ERRORS[400], schema: schemaRef('ErrorBody') })
  async list(@Query() query: Record<string, string | undefined>): Promise<InitiativePage> {
    return this.queries.list(query);
  }
}
