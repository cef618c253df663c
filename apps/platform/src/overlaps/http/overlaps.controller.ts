import { Access, actorOf, CurrentPrincipal, Principal } from '@ctp/auth';
import { Body, Controller, Get, HttpCode, Param, Post, Query, UseFilters } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { QueryParams } from '@ctp/observability';
import { ActiveMatchingModel } from '../application/active-matching-model';
import { DecideOverlap } from '../application/decide-overlap';
import { OverlapQueries } from '../application/overlap-queries';
import { CappedRecordView } from '../domain/overlap-pair';
import { idPositionOf, PAIR_ORDERS, scorePositionOf } from '../domain/pair-order';
import { OverlapPairNotFound } from '../../platform-errors';
import { registryViewerOf } from '../../http/viewer';
import { PlatformErrorFilter } from '../../http/platform-error.filter';
import { MatchingModelView, toMatchingModelView } from './matching-model-view';
import { OverlapView, toOverlapView } from './overlap-view';

/**
 * Pairs and clusters as their reader may see the registry: `registry:read-restricted` at an INTERPOL organisation sees
 * every pair; `registry:read` sees only the pairs whose two records are PARTNER_SHAREABLE — a pair with a restricted
 * record on either side is, in lists, by id and for a decision, exactly as absent as an unknown pair — and clusters
 * of shareable members only, under the canonical record among them. Decisions record who made them (`decidedBy`).
 */
@ApiTags('overlaps')
@UseFilters(PlatformErrorFilter)
@Controller('overlaps')
export class OverlapsController {
  constructor(
    private readonly queries: OverlapQueries,
    private readonly decideOverlap: DecideOverlap,
    private readonly models: ActiveMatchingModel,
  ) {}

  @Get()
  @Access(['registry:read', 'registry:read-restricted'])
  @ApiOperation({
    summary:
      'Pairs of records from different reporters that look like the same activity (DUPLICATE) or worth a look (OVERLAP)',
    description:
      'Each pair with its score, the rule that decided it, the signals behind the score, and any analyst decision.',
  })
  @ApiQuery({ name: 'classification', required: false, enum: ['DUPLICATE', 'OVERLAP'] })
  @ApiQuery({
    name: 'decision',
    required: false,
    enum: ['CONFIRMED', 'REJECTED', 'NONE'],
    description: 'NONE: awaiting an analyst',
  })
  @ApiQuery({ name: 'initiativeId', required: false })
  @ApiQuery({
    name: 'sort',
    required: false,
    enum: PAIR_ORDERS,
    description:
      'id (default): oldest pair first. score: highest score first, ties by id (the review queue: ' +
      '`?decision=NONE&sort=score`); follow nextCursor with the same sort',
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  async list(
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: OverlapView[]; nextCursor?: string }> {
    const viewer = registryViewerOf(principal);
    const q = new QueryParams(query);
    const classification = q.oneOf('classification', ['DUPLICATE', 'OVERLAP']);
    const decision = q.oneOf('decision', ['CONFIRMED', 'REJECTED', 'NONE']);
    const initiativeId = q.text('initiativeId');
    const order = q.oneOf('sort', PAIR_ORDERS) ?? 'id';
    const limit = q.limit(50, 500);
    // A cursor belongs to its order: one given out in score order is refused in id order, and the other way round.
    const afterId = order === 'id' ? q.cursorText('cursor', idPositionOf) : undefined;
    const afterScore = order === 'score' ? q.cursorText('cursor', scorePositionOf) : undefined;
    q.done();
    const page = await this.queries.list(
      { classification, decision, initiativeId, order, afterId, afterScore, limit },
      viewer,
    );
    const items = page.items.map(toOverlapView);
    return page.nextCursor !== undefined ? { items, nextCursor: page.nextCursor } : { items };
  }

  @Get('detection')
  @Access(['ops:read', 'registry:read-restricted'], 'interpol')
  @ApiOperation({
    summary: 'How far duplicate detection is behind the registry',
    description:
      'Changed records are queued for detection in the transaction that applies them and compared right after. ' +
      '`queued` is 0 when every applied change has been compared (pairs, clusters and rollups are up to date). ' +
      '`capped`: the records that had more candidates than DETECTION_MAX_CANDIDATES at their last run, so were ' +
      'compared with that many only (the most alike by countries, dates and streams; their other pairs kept as ' +
      'they were): for an analyst to look at (`total`, and the first 100, oldest flag first).',
  })
  async detection(): Promise<{
    queued: number;
    oldestQueuedAt: string | null;
    capped: { total: number; records: CappedRecordView[] };
  }> {
    return this.queries.detection();
  }

  // Declared before GET /overlaps/:id, so that `model` is not taken for a pair's id.
  @Get('model')
  @Access(['registry:read', 'registry:read-restricted'])
  @ApiOperation({
    summary: 'The matching model that scores pairs now: its weights, intercept and thresholds, and where it comes from',
    description:
      'score = intercept + Σ weight × signal (each signal 0..1); ≥ thresholds.duplicate DUPLICATE. A model with an ' +
      '`overlap` score of its own gives a pair below that its OVERLAP score instead (kept below thresholds.duplicate); ' +
      'either way ≥ thresholds.overlap is OVERLAP. `source`: `shipped` (the model in the code, no model applied) or `applied` (by an operator with ' +
      '`npm run matching:refit -- --apply`: `appliedAt`, `appliedBy` and any `note` say when, who and why). A pair ' +
      'scored by a model names it in `signals.model`. An applied model is in use within MATCHING_MODEL_REFRESH_MS ' +
      '(30 s); pairs stored before keep their verdicts until one of their records changes (docs/matching.md).',
  })
  @ApiResponse({
    status: 200,
    description: 'The model in use',
    schema: {
      type: 'object',
      required: ['version', 'weights', 'intercept', 'thresholds', 'fittedOn', 'source'],
      properties: {
        version: { type: 'string', example: 'refit-2026-03-02T09:15:00.000Z' },
        weights: {
          type: 'object',
          description: 'One weight ≥ 0 per signal (title, countries, sameDates, nearDates, kind, stream, …)',
          additionalProperties: { type: 'number' },
        },
        intercept: { type: 'number' },
        overlap: {
          type: 'object',
          description:
            'The OVERLAP score, when the model has one of its own (the DUPLICATE score is weights/intercept)',
          required: ['weights', 'intercept'],
          properties: {
            weights: { type: 'object', additionalProperties: { type: 'number' } },
            intercept: { type: 'number' },
          },
        },
        thresholds: {
          type: 'object',
          required: ['duplicate', 'overlap'],
          properties: { duplicate: { type: 'number', example: 0.8 }, overlap: { type: 'number', example: 0.6 } },
        },
        fittedOn: { type: 'string', description: 'What it was fitted on (free text)' },
        source: { enum: ['shipped', 'applied'] },
        appliedAt: { type: 'string', format: 'date-time', description: 'applied only' },
        appliedBy: { type: 'string', description: 'applied only' },
        note: { type: 'string', description: 'applied only, when given' },
      },
    },
  })
  model(): MatchingModelView {
    return toMatchingModelView(this.models.current());
  }

  @Get(':id')
  @Access(['registry:read', 'registry:read-restricted'])
  @ApiOperation({ summary: 'One pair, with both records, and any decision with who made it (decidedBy)' })
  @ApiResponse({ status: 404, description: 'No such pair (or not one the token may see)' })
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<OverlapView> {
    const viewer = registryViewerOf(principal);
    return toOverlapView(await this.queries.get(id, viewer));
  }

  @Post(':id/decision')
  @Access('overlaps:decide', 'gs')
  @HttpCode(200)
  @ApiOperation({
    summary: "An analyst's decision on a pair",
    description:
      'CONFIRMED: the same activity, counted once from now on. REJECTED: different activities, never flagged again as a duplicate.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['decision'],
      properties: { decision: { enum: ['CONFIRMED', 'REJECTED'] }, note: { type: 'string', maxLength: 2000 } },
    },
  })
  @ApiResponse({ status: 400, description: 'decision is not CONFIRMED or REJECTED' })
  @ApiResponse({ status: 404, description: 'No such pair (or not one the token may see)' })
  async decide(
    @Param('id') id: string,
    @Body() body: { decision?: unknown; note?: unknown } | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OverlapView> {
    if (!/^\d{1,18}$/.test(id)) throw new OverlapPairNotFound(id);
    const viewer = registryViewerOf(principal);
    const pair = await this.decideOverlap.execute({
      pairId: id,
      decision: body?.decision,
      note: body?.note,
      decidedBy: actorOf(principal),
      viewer,
    });
    return toOverlapView((await this.queries.withRecords([pair], viewer))[0]);
  }
}
