import { Access, actorOf, CurrentPrincipal, Principal } from '@ctp/auth';
import { Controller, Get, HttpCode, Param, Post, Query, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FeedPage, ReadFeed } from '../application/read-feed';
import { OutboundQueries } from '../application/outbound-queries';
import { ResendDelivery } from '../application/resend-delivery';
import { DeliveryNotFound } from '../domain/outbound-errors';
import { DELIVERY_STATUSES } from '../domain/delivery';
import { OutboundErrorFilter } from './outbound-error.filter';
import { QueryParams } from './query-params';
import { auditPage } from './audit-page';
import { AuditView, DeliveryView, deliveryView } from './views';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ERROR_BODY = { $ref: '#/components/schemas/ErrorBody' };

/** What each partner may see, going out: its feed, its webhook deliveries, and the audit of what it was sent. */
@ApiTags('partner feeds')
@UseFilters(OutboundErrorFilter)
@Controller('partners')
export class PartnerFeedController {
  constructor(
    private readonly readFeed: ReadFeed,
    private readonly resendDelivery: ResendDelivery,
    private readonly queries: OutboundQueries,
  ) {}

  @Get(':ref/feed')
  @Access(['partner', 'partners:admin'], 'partner-param')
  @ApiOperation({
    summary: "A page of the partner's feed, in seq order",
    description:
      'INITIATIVE (a PARTNER_SHAREABLE record of its regions, new version), RETRACTION (a record it received became restricted or was withdrawn: id, version and reason only) and NOTICE (a flagged or cleared pair involving its own record and a record it may see). Never INTERPOL_RESTRICTED content: entries about a record that has become restricted since are left out of every page (their seq is skipped). Pass nextCursor back as cursor to read on; an empty page returns the same cursor. Every page served is recorded in the audit (channel FEED, with who read it).',
  })
  @ApiParam({ name: 'ref', example: 'PT-UNODC' })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: 'nextCursor of the previous page; absent = from the start',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  @ApiResponse({
    status: 200,
    description: '{ items: [{ seq, kind, initiativeId, version, payload, createdAt }], nextCursor }',
  })
  @ApiResponse({ status: 400, description: 'Bad cursor or limit', schema: ERROR_BODY })
  @ApiResponse({ status: 404, description: 'No such partner', schema: ERROR_BODY })
  async feed(
    @Param('ref') ref: string,
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FeedPage> {
    const q = new QueryParams(query);
    const afterSeq = q.cursor();
    const limit = q.limit(100, 500);
    q.done();
    return this.readFeed.execute({ partnerRef: ref, afterSeq, limit, actor: actorOf(principal) });
  }

  @Get(':ref/deliveries')
  @Access(['partner', 'partners:admin'], 'partner-param')
  @ApiOperation({
    summary: "The partner's webhook deliveries, in seq order",
    description: 'One per feed entry written while the partner had a webhook.',
  })
  @ApiQuery({ name: 'status', required: false, enum: DELIVERY_STATUSES })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page (a seq)' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  @ApiResponse({ status: 404, description: 'No such partner', schema: ERROR_BODY })
  async deliveries(
    @Param('ref') ref: string,
    @Query() query: Record<string, unknown>,
  ): Promise<{ items: DeliveryView[]; nextCursor?: string }> {
    const q = new QueryParams(query);
    const status = q.oneOf('status', DELIVERY_STATUSES);
    const afterSeq = q.cursor();
    const limit = q.limit(100, 500);
    q.done();
    const rows = await this.queries.deliveriesOf(ref, { status, afterSeq, limit: limit + 1 });
    const page = rows.slice(0, limit).map(deliveryView);
    return rows.length > limit ? { items: page, nextCursor: String(page[page.length - 1].seq) } : { items: page };
  }

  @Post(':ref/deliveries/:id/resend')
  @Access(['partner', 'partners:admin'], 'partner-param')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a DEAD (or DELIVERED) delivery again',
    description:
      'Back to PENDING with a fresh set of attempts, same delivery id, sent at once. Recorded in the audit with who asked. A delivery about a record that is no longer shareable (made restricted since) is never sent again: 410.',
  })
  @ApiResponse({ status: 200, description: 'The delivery, now PENDING' })
  @ApiResponse({ status: 404, description: 'No such partner or delivery', schema: ERROR_BODY })
  @ApiResponse({ status: 409, description: 'The delivery is PENDING already', schema: ERROR_BODY })
  @ApiResponse({
    status: 410,
    description: 'The record it is about is no longer shareable (or the delivery was WITHHELD): nothing is sent',
    schema: ERROR_BODY,
  })
  async resend(
    @Param('ref') ref: string,
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeliveryView> {
    if (!UUID.test(id)) throw new DeliveryNotFound(ref, id);
    return deliveryView(await this.resendDelivery.execute(ref, id.toLowerCase(), actorOf(principal)));
  }

  @Get(':ref/audit')
  @Access(['partner', 'partners:admin'], 'partner-param')
  @ApiOperation({
    summary:
      'What was sent to this partner (feed pages, webhook attempts, re-sends) and every change made about it through the API (registry, webhook URL and secret rotations, initiatives, imports), each with who made it',
  })
  @ApiQuery({ name: 'initiativeId', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  @ApiResponse({ status: 404, description: 'No such partner', schema: ERROR_BODY })
  async audit(
    @Param('ref') ref: string,
    @Query() query: Record<string, unknown>,
  ): Promise<{ items: AuditView[]; nextCursor?: string }> {
    return auditPage(this.queries, query, ref);
  }
}
