import { Inject, Injectable } from '@nestjs/common';
import { SourceDigest } from '@ctp/contracts';
import { CtpLogger, LOGGER, Metrics } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';
import { Gauge } from 'prom-client';
import { RefusedRecords } from '../persistence/refused-records';
import { SourceDigests } from '../persistence/source-digests';
import { SyncSources } from '../persistence/sync-sources';
import { RepairSource } from './repair-source';

/**
 * Compares a source's digest with our view of that source, in the digest event's transaction: the digest arrives after
 * the events it summarises, so equal means we hold the same records at the same versions. The result is recorded;
 * after the commit a mismatch schedules a repair.
 */
@Injectable()
export class CheckSourceDigest {
  private readonly refusedGauge: Gauge;

  constructor(
    private readonly digests: SourceDigests,
    private readonly refusedRecords: RefusedRecords,
    private readonly syncSources: SyncSources,
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

  async execute(tx: Transaction, theirs: SourceDigest): Promise<void> {
    const ours = await this.digests.digest(theirs.source, tx);
    const refused = await this.refusedRecords.countCounted(tx, theirs.source);
    const matched = ours.count === theirs.count && ours.hash === theirs.hash;
    await this.syncSources.recordCheck(tx, theirs, ours, matched);
    tx.afterCommit(() => {
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
  }
}
