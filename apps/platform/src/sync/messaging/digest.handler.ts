import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { digestSubjectOf, SourceDigest, SYNC_DIGEST_TYPE } from '@ctp/contracts';
import { EventBatchContext, EventOutcome, ReceivedEvent } from '@ctp/messaging';
import { CtpLogger, LOGGER, Metrics } from '@ctp/observability';
import { Gauge } from 'prom-client';
import { RepairSource } from '../application/repair-source';
import { SourceDigests } from '../application/source-digests';
import { REFUSED_COUNTED } from '../application/refused-records';

/**
 * A source's digest of its records. It arrives after the events it summarises (same outbox, same stream order), so
 * comparing it with our view of that source now tells whether we hold the same records at the same versions.
 */
@Controller()
export class DigestHandler {
  private readonly refusedGauge: Gauge;

  constructor(
    private readonly digests: SourceDigests,
    private readonly repair: RepairSource,
    @Inject(LOGGER) private readonly log: CtpLogger,
    metrics: Metrics,
  ) {
    const name = 'ctp_sync_refused_records';
    this.refusedGauge =
      (metrics.registry.getSingleMetric(name) as Gauge | undefined) ??
      new Gauge({
        name,
        help: "Records whose source's current version the platform refused for its content, per source (as of its last digest): counted as known by reconciliation, never re-published for it",
        labelNames: ['source'],
        registers: [metrics.registry],
      });
  }

  @EventPattern(SYNC_DIGEST_TYPE)
  async onDigest(@Payload() event: ReceivedEvent<SourceDigest>, @Ctx() ctx: EventBatchContext): Promise<EventOutcome> {
    const theirs = event.envelope.data;
    // A hub's or a partner's digest, about itself, on its own subject: nobody vouches for another source's records.
    const expected = digestSubjectOf(event.envelope.source);
    if (!expected || event.subject !== expected || theirs?.source !== event.envelope.source) {
      return {
        outcome: 'REJECTED',
        reason: 'OWNERSHIP_VIOLATION',
        detail: `digest of ${theirs?.source} from ${event.envelope.source} on ${event.subject}`,
      };
    }
    const ours = await this.digests.digest(theirs.source, ctx.tx);
    const [{ refused }] = (await ctx.tx.manager.query(`SELECT count(*)::int AS refused FROM (${REFUSED_COUNTED}) f`, [
      theirs.source,
    ])) as { refused: number }[];
    const matched = ours.count === theirs.count && ours.hash === theirs.hash;
    await ctx.tx.manager.query(
      `INSERT INTO sync_sources (source, source_digest, platform_digest, matched, checked_at, last_mismatch_at)
       VALUES ($1, $2, $3, $4, now(), CASE WHEN $4 THEN NULL ELSE now() END)
       ON CONFLICT (source) DO UPDATE SET source_digest = excluded.source_digest, platform_digest = excluded.platform_digest,
         matched = excluded.matched, checked_at = now(), checks = sync_sources.checks + 1,
         last_mismatch_at = CASE WHEN excluded.matched THEN sync_sources.last_mismatch_at ELSE now() END`,
      [theirs.source, JSON.stringify(theirs), JSON.stringify(ours), matched],
    );
    ctx.tx.afterCommit(() => {
      this.log[matched ? 'info' : 'warn']({
        msg: 'reconciliation checked',
        source: theirs.source,
        matched,
        sourceCount: theirs.count,
        platformCount: ours.count,
        ...(refused > 0 ? { refused } : {}),
        digestAt: theirs.generatedAt,
      });
      this.refusedGauge.set({ source: theirs.source }, refused);
      if (!matched) this.repair.schedule(theirs.source);
    });
    return { outcome: 'APPLIED' };
  }
}
