import { Inject, Injectable } from '@nestjs/common';
import type { WebMount } from '@ctp/http';
import { sendError } from '@ctp/observability';
import { NextFunction, Request, Response, static as serveStatic } from 'express';
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { PLATFORM_CONFIG, PlatformConfig } from '../../config/platform.config';
import { ConsoleNotBuilt, ConsoleNotConfigured } from '../../platform-errors';
import { errorBodyOf } from '../../http/platform-error.filter';
import { cacheControlOf, consolePolicy, REVALIDATE } from '../domain/console-page';

/** Where the console is served. */
export const CONSOLE_PATH = '/console';
/** The console's API routes under its path (console.controller.ts): the static files never answer these. */
const CONSOLE_API = new Set(['config.json', 'stream', 'operations']);

/** Without a console (CONSOLE_OIDC_AUTHORITY unset), /console answers only errors: nothing may load there. */
const NOTHING: Record<string, string[]> = { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] };

/**
 * The console's files, served by the platform at /console/ before the API's routes and guard (they carry no data:
 * every data call is an API call with the user's token): index.html at /console and /console/ (revalidated every time),
 * the hashed files under /console/assets/ (kept a year), from CONSOLE_STATIC_DIR (default dist/console). Not
 * configured: 404 saying so; configured and not built: 503 saying `npm run build`.
 */
@Injectable()
export class ConsoleSite {
  private readonly root: string;
  private readonly files: ReturnType<typeof serveStatic>;

  constructor(@Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig) {
    this.root = resolve(config.console.staticDir);
    this.files = serveStatic(this.root, {
      index: false,
      redirect: false,
      fallthrough: true,
      dotfiles: 'ignore',
      cacheControl: false,
      setHeaders: (res, path) =>
        res.setHeader('Cache-Control', cacheControlOf(relative(this.root, path).split(sep).join('/'))),
    });
  }

  mount(): WebMount {
    const { oidc, environment } = this.config.console;
    return {
      path: CONSOLE_PATH,
      contentSecurityPolicy: oidc ? consolePolicy(oidc.authority, environment) : NOTHING,
      handler: (req, res, next) => this.serve(req, res, next),
    };
  }

  private serve(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // Mounted at /console: req.path is what follows it ('/' for /console and /console/).
    const rest = req.path.replace(/^\/+/, '');
    if (CONSOLE_API.has(rest)) return next();
    if (!this.config.console.oidc) return sendError(res, errorBodyOf(new ConsoleNotConfigured()));
    const index = join(this.root, 'index.html');
    if (!existsSync(index)) return sendError(res, errorBodyOf(new ConsoleNotBuilt(this.config.console.staticDir)));
    if (rest !== '' && rest !== 'index.html') return this.files(req, res, next);
    res.sendFile(index, { cacheControl: false, headers: { 'Cache-Control': REVALIDATE } }, (err?: Error) => {
      if (err && !res.headersSent) sendError(res, errorBodyOf(new ConsoleNotBuilt(this.config.console.staticDir)));
    });
  }
}
