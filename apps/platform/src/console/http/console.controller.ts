import { Access, CurrentPrincipal, Principal, Public, Unauthorized } from '@ctp/auth';
import { Controller, Get, Header, Inject, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PLATFORM_CONFIG, PlatformConfig } from '../../config/platform.config';
import { ConsoleNotConfigured } from '../../platform-errors';
import { PlatformErrorFilter } from '../../http/platform-error.filter';
import { LiveChanges } from '../application/live-changes';
import { OperationsReport } from '../application/operations-report';
import { msUntilExpiry } from '../domain/token-expiry';
import { sseComment, sseRetry } from '../domain/server-sent-events';
import { OperationsView, toOperationsView } from './operations-view';

/** What the console's page reads before anyone signs in: where to sign in. */
export interface ConsoleConfigView {
  oidc: { authority: string; clientId: string; scope: string };
  environment: 'development' | 'production';
}

/**
 * The console's own API: its sign-in settings (open, like its files), the live-update stream and the operations
 * summary (bearer tokens, as every other route).
 */
@ApiTags('console')
@UseFilters(PlatformErrorFilter)
@Controller('console')
export class ConsoleController {
  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly live: LiveChanges,
    private readonly operationsReport: OperationsReport,
  ) {}

  /** Open: the page needs it to sign in. Names no data, only the provider; 404 when the console is off. */
  @Get('config.json')
  @Public()
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-cache')
  configJson(): ConsoleConfigView {
    const { oidc, environment } = this.config.console;
    if (!oidc) throw new ConsoleNotConfigured();
    return { oidc: { authority: oidc.authority, clientId: oidc.clientId, scope: oidc.scope }, environment };
  }

  @Get('stream')
  @Access(['registry:read', 'registry:read-restricted'])
  @ApiOperation({
    summary: 'What changed, live (Server-Sent Events), for the console to fetch again what it shows',
    description:
      'text/event-stream. `event: rollups` when the rollup counts changed, `event: pairs` when pairs or decisions ' +
      'changed, `event: registry` when records changed, each with `data: {"at":"<iso>"}` and no record data (fetch ' +
      'again with your own token); a `: keep-alive` comment every 15 s. The stream ends when the token expires ' +
      '(reconnect with a fresh one); a token already past its `exp` is refused 401, even within the clock ' +
      'tolerance the other routes allow. At most CONSOLE_STREAM_MAX_PER_IDENTITY open streams per identity (429) and ' +
      'CONSOLE_STREAM_MAX_TOTAL in all (503).',
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'The stream (never ends by itself before the token expires)' })
  @ApiResponse({ status: 401, description: 'No valid token, or one already expired (a stream would end at once)' })
  @ApiResponse({ status: 429, description: 'This identity already holds as many streams as it may' })
  @ApiResponse({ status: 503, description: 'The platform serves as many streams as it may' })
  stream(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): void {
    // The guard accepts a token up to AUTH_CLOCK_TOLERANCE_S past its `exp`; a stream on it would end at once, and the
    // client reconnect at once with the same token, again and again: refuse it as expired instead (sign in again).
    const untilExpiry = msUntilExpiry(req.header('authorization'), Date.now());
    if (untilExpiry !== undefined && untilExpiry <= 0) throw new Unauthorized('the token has expired');
    // The client may have gone while the guard verified its token: its `close` has fired already and would not fire
    // again, so a stream opened now would hold a slot until a keep-alive found the socket gone.
    if (req.destroyed || req.socket.destroyed || res.destroyed || res.writableEnded) return;
    const stream = this.live.open(
      `${principal.org}\u0000${principal.sub}`,
      { write: (chunk) => res.write(chunk), end: () => res.end() },
      { expiresInMs: untilExpiry },
    );
    res.on('close', () => stream.close());
    // Straight to the client, event by event: nothing may buffer or compress it on the way (no-transform).
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    res.write(sseRetry(5000) + sseComment('connected'));
  }

  @Get('operations')
  @Access('ops:read', 'interpol')
  @ApiOperation({
    summary: "Is everything in sync? The operator's summary, green / amber / red at a glance",
    description:
      'Per source: reconciliation (as GET /sync). The platform’s durable consumers: pending, unacknowledged, ' +
      'redelivered. Duplicate detection’s backlog (as GET /overlaps/detection). Dead letters: how many, per subject, ' +
      'the reasons this platform dead-lettered since it started. The services of CONSOLE_SERVICES: ready (their ' +
      '/health/ready) and their outbox backlog (their /metrics, read with your token). Each part has a status by ' +
      'the `thresholds` in the answer; `overall` is the worst.',
  })
  @ApiOkResponse({ description: 'The summary' })
  async operations(@Req() req: Request): Promise<OperationsView> {
    return toOperationsView(await this.operationsReport.read(req.header('authorization')));
  }
}
