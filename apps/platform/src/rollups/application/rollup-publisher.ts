import { createHash } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { EventSources, PlatformEventType, RollupUpdatedData, Subjects } from '@ctp/contracts';
import { newEvent, OutboxWriter } from '@ctp/messaging';
import { PLATFORM_OUTBOX, PLATFORM_PUBLISHES } from '../../platform-outbox';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { PLATFORM_CONFIG, PlatformConfig } from '../../config/platform.config';
import { RESTRICTED_READER } from '../../registry/domain/visibility';
import { DEFAULT_GROUP_BY } from '../domain/rollup-dimensions';
import { PublicationRepository } from '../persistence/publication.repository';
import { RollupQueries } from './rollup-queries';

/**
 * Publishes `ctp.rollup.updated.v1` (every record counted: the event stays inside INTERPOL's platform; partner-liaison
 * forwards no rollup) when the counts changed: at most once per debounce interval however many events
 * arrive, and never twice with the same content (the last digest is kept, under a row lock, across instances).
 */
@Injectable()
export class RollupPublisher implements OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly rollups: RollupQueries,
    private readonly unitOfWork: UnitOfWork,
    @Inject(PLATFORM_OUTBOX) private readonly outbox: OutboxWriter,
    private readonly publications: PublicationRepository,
    /**
     * false in a rebuild, which publishes nothing: the counts are not computed at all (with 200,000 records, counting
     * them after every replayed batch was 27 s of a rebuild's database time).
     */
    @Optional() @Inject(PLATFORM_PUBLISHES) private readonly publishes: boolean = true,
  ) {}

  /** Something that may change the counts was committed. */
  schedule(): void {
    if (this.timer || !this.publishes) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.publishIfChanged().catch((err: Error) =>
        this.log.warn({ msg: 'rollup not published, will retry on the next change', err: err.message }),
      );
    }, this.config.rollupDebounceMs);
    this.timer.unref();
  }

  async publishIfChanged(): Promise<boolean> {
    const rollup = await this.rollups.rollup(DEFAULT_GROUP_BY, RESTRICTED_READER);
    const digest = createHash('sha256')
      .update(JSON.stringify([rollup.rows, rollup.totals]))
      .digest('hex');
    return this.unitOfWork.run(async (tx) => {
      const last = await this.publications.lockLastDigest(tx.manager, 'rollup');
      if (last === digest) return false;
      const event = newEvent<RollupUpdatedData>({
        source: EventSources.platform,
        type: PlatformEventType.RollupUpdated,
        subject: Subjects.platformEvent(PlatformEventType.RollupUpdated),
        about: 'rollup',
        data: { ...rollup, generatedAt: new Date().toISOString() },
      });
      await this.outbox.append(tx, [event]);
      await this.publications.saveDigest(tx.manager, 'rollup', digest);
      tx.afterCommit(() =>
        this.log.info({
          msg: 'rollup published',
          eventId: event.envelope.id,
          ...rollup.totals,
          rows: rollup.rows.length,
        }),
      );
      return true;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
