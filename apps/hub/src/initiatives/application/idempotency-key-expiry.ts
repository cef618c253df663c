import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { InitiativeRepository } from '../persistence/initiative.repository';

/** Forgets Idempotency-Keys past their lifetime, at start and every hour (a key past it is also reusable at once). */
@Injectable()
export class IdempotencyKeyExpiry implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly initiatives: InitiativeRepository,
    @Inject(LOGGER) private readonly log: CtpLogger,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), 3600_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    try {
      const n = await this.initiatives.expireIdempotencyKeys();
      if (n) this.log.info({ msg: 'idempotency keys expired', count: n });
    } catch (err) {
      this.log.warn({ msg: 'idempotency key expiry failed', err: (err as Error).message });
    }
  }
}
