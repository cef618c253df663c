import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { CORRELATION_HEADER, CORRELATION_ID_PATTERN, currentCorrelationId, runWithCorrelation } from './correlation';
import { CtpLogger } from './logger';
import { Metrics } from './metrics';
import { LOGGER } from './tokens';

/**
 * Gives every request a correlation id (the caller's `X-Correlation-Id` when it is sane, else a new one), echoes it
 * back, runs the rest of the request inside it, and writes one log line when the response is sent: method, path (never
 * the query's values, nor any header but the correlation id), status, and for a refusal its message, fields and rules.
 * `bootstrapService` mounts it before anything else, so that a request refused at the edge (body parser, unreadable
 * path or query) is logged too; mounted again by the module for other applications, it handles each request once.
 */
const HANDLED = Symbol('ctp.httpLogged');

/** The path as sent (still percent-encoded) and the names of the query's parameters (their values may be secrets). */
function splitUrl(url: string): [string, string[]] {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).slice(0, 500);
  if (q < 0) return [path, []];
  const names = url
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '')
    .map((p) => p.split('=')[0].slice(0, 40));
  return [path, [...new Set(names)].slice(0, 20)];
}

@Injectable()
export class HttpLoggingMiddleware implements NestMiddleware {
  constructor(
    @Inject(LOGGER) private readonly logger: CtpLogger,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const seen = req as Request & { [HANDLED]?: true };
    if (seen[HANDLED]) return next();
    seen[HANDLED] = true;
    const offered = req.header(CORRELATION_HEADER);
    const correlationId = offered && CORRELATION_ID_PATTERN.test(offered) ? offered : undefined;
    runWithCorrelation(correlationId, () => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
        const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
        const quiet = req.originalUrl.startsWith('/health') || req.originalUrl.startsWith('/metrics');
        this.metrics.httpRequests.observe(
          { method: req.method, route, status: String(res.statusCode) },
          durationMs / 1000,
        );
        const error = res.locals.ctpError as
          { message: string; details: { field: string; rule: string }[] } | undefined;
        const [path, query] = splitUrl(req.originalUrl);
        // Who made the request, once the guard verified the token: recorded with every change, and here.
        const principal = (req as Request & { principal?: { sub: string; org: string } }).principal;
        const line = {
          msg: 'http request',
          method: req.method,
          url: path,
          ...(query.length ? { query } : {}),
          status: res.statusCode,
          ...(principal ? { sub: principal.sub, org: principal.org } : {}),
          durationMs: Math.round(durationMs * 10) / 10,
          ...(error
            ? {
                error: error.message.slice(0, 300),
                fields: [...new Set(error.details.map((d) => d.field))].slice(0, 10),
                rules: [...new Set(error.details.map((d) => d.rule))].slice(0, 10),
              }
            : {}),
        };
        if (quiet) this.logger.debug(line);
        else if (res.statusCode >= 500) this.logger.error(line);
        else this.logger.info(line);
      });
      res.setHeader(CORRELATION_HEADER, currentCorrelationId() ?? '');
      next();
    });
  }
}
