import { Controller, Get, Header, HttpStatus, Inject, Injectable, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { SetAccessRule } from './access-rule';
import { CtpLogger } from './logger';
import { Metrics } from './metrics';
import { LOGGER } from './tokens';

/** A dependency the service needs to do its work; `check` throws when it is not usable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** Libraries register their checks here at start-up (PostgreSQL, NATS, ...). */
@Injectable()
export class ReadinessChecks {
  private readonly checks: ReadinessCheck[] = [];

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  async run(timeoutMs = 2000): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; error?: string }> }> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          await withTimeout(c.check(), timeoutMs, `${c.name} did not answer within ${timeoutMs} ms`);
          return [c.name, { ok: true }] as const;
        } catch (err) {
          return [c.name, { ok: false, error: (err as Error).message }] as const;
        }
      }),
    );
    return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessChecks,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly log: CtpLogger,
  ) {}

  private lastFailure = '';

  @SetAccessRule({ public: true, scopes: [], owner: 'any' })
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Open to anyone, so it tells nothing internal: which dependency failed, and why, is in the log line. */
  @SetAccessRule({ public: true, scopes: [], owner: 'any' })
  @Get('health/ready')
  async ready(@Res() res: Response): Promise<void> {
    const result = await this.readiness.run();
    const failing = Object.entries(result.checks).filter(([, c]) => !c.ok);
    const state = failing.map(([name, c]) => `${name}: ${c.error}`).join('; ');
    if (state !== this.lastFailure) {
      if (state) this.log.warn({ msg: 'not ready', failing: state });
      else if (this.lastFailure) this.log.info({ msg: 'ready again' });
      this.lastFailure = state;
    }
    res.status(result.ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({
      status: result.ok ? 'ok' : 'unavailable',
      checks: Object.fromEntries(Object.entries(result.checks).map(([name, c]) => [name, { ok: c.ok }])),
    });
  }

  @SetAccessRule({ scopes: ['ops:read'], owner: 'any' })
  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metricsText(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.exposition());
  }
}
