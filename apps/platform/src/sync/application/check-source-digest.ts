import { Inject, Injectable } from '@nestjs/common';
import { SourceDigest } from '@ctp/contracts';
import { CtpLogger, LOGGER, Metrics } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';
import { Gauge } from 'prom-client';
import { RefusedRecords } from '../persistence/refused-records';
import { SourceDigests } from '../persistence/source-digests';
import { SyncSources } from '../persistence/sync-sources';
import { RepairSource } from './repair-source';

/** The platform's gauge `name`, registered once per registry (both threads' modules may ask for it). */
function gauge(metrics: Metrics, name: string, help: string): Gauge {
  return (
    (metrics.registry.getSingleMetric(name) as Gauge | undefined) ??
    new Gauge({ name, help, labelNames: ['source'], registers: [metrics.registry] })
  );
}

/** Whether the platform holds what the source's digest says it holds: the same number of records, the same hash. */
function digestsMatch(ours: Omit<SourceDigest, 'generatedAt'>, theirs: SourceDigest): boolean {
  return ours.count === theirs.count && ours.hash === theirs.hash;
}

/**
 * Compares a source's digest with our view of that source, in the digest event's transaction: the digest arrives after
 * the events it summarises, so equal means we hold the same records at the same versions. The result is recorded;
 * after the commit a mismatch schedules a repair, and `ctp_sync_digest_mismatch{source}` says 1 until a digest of that
 * source matches again (alert CtpReconciliationMismatch: one that repairs have not cleared).
 */
@Injectable()
export class CheckSourceDigest {
  private readonly refusedGauge: Gauge;
  private readonly mismatchGauge: Gauge;

  constructor(
    private readonly digests: SourceDigests,
    private readonly refusedRecords: RefusedRecords,
    private readonly syncSources: SyncSources,
    private readonly repair: RepairSource,
    @Inject(LOGGER) private readonly log: CtpLogger,
    metrics: Metrics,
  ) {
    this.refusedGauge = gauge(
      metrics,
      'ctp_sync_refused_records',
      "Records whose source's current version the platform refused for its content, per source (as of its last digest): counted as known by reconciliation, never re-published for it",
    );
    this.mismatchGauge = gauge(
      metrics,
      'ctp_sync_digest_mismatch',
      "1 when a source's last digest disagreed with the platform's view of that source (count or hash; a repair is scheduled), 0 when it matched",
    );
  }

  async execute(tx: Transaction, theirs: SourceDigest): Promise<void> {
    const ours = await this.digests.digest(theirs.source, tx);
    const refused = await this.refusedRecords.countCounted(tx, theirs.source);
    const matched = digestsMatch(ours, theirs);
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
      this.mismatchGauge.set({ source: theirs.source }, matched ? 0 : 1);
      if (!matched) this.repair.schedule(theirs.source);
    });
  }
}
