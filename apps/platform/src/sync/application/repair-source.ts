import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection } from '@nats-io/nats-core';
import { BucketDigest, RecordVersion, SyncSubjects, syncKeyOf } from '@ctp/contracts';
import { NATS_CONNECTION } from '@ctp/messaging';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { SourceDigests } from '../persistence/source-digests';
import { SyncSources } from '../persistence/sync-sources';

export interface RepairReport {
  at: string;
  bucketsDiffering: number;
  /** Records the source has and we lack, or hold at an older version or another withdrawn state: asked again. */
  requested: number;
  resent: number;
  /** Records we hold that the source does not (or holds at an older version): reported, never deleted. */
  unexplained: string[];
  error?: string;
}

const RESEND_CHUNK = 200;

/**
 * After a digest mismatch: narrows the difference down by buckets (digest per bucket on both sides, then the records
 * of the differing buckets), asks the source to re-publish what we lack, and records what it did. One repair per
 * source at a time; the re-published events are applied by the ordinary consumer, idempotently.
 */
@Injectable()
export class RepairSource implements OnApplicationShutdown {
  private readonly running = new Map<string, Promise<RepairReport>>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly digests: SourceDigests,
    private readonly syncSources: SyncSources,
  ) {}

  schedule(source: string): void {
    if (this.running.has(source)) return;
    const run = this.repair(source).finally(() => this.running.delete(source));
    this.running.set(source, run);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.running.values());
  }

  async repair(source: string): Promise<RepairReport> {
    const report: RepairReport = {
      at: new Date().toISOString(),
      bucketsDiffering: 0,
      requested: 0,
      resent: 0,
      unexplained: [],
    };
    const key = syncKeyOf(source);
    try {
      if (!key) throw new Error(`no reconciliation for source ${source}`);
      const theirs = await this.ask<BucketDigest[]>(SyncSubjects.buckets(key), {});
      const ours = new Map((await this.digests.buckets(source)).map((b) => [b.bucket, b]));
      const differing = new Set<number>();
      for (const b of theirs) if (ours.get(b.bucket)?.hash !== b.hash) differing.add(b.bucket);
      for (const b of ours.values()) if (!theirs.some((t) => t.bucket === b.bucket)) differing.add(b.bucket);
      report.bucketsDiffering = differing.size;
      const wanted: string[] = [];
      for (const bucket of differing) {
        const [sourceList, platformList] = await Promise.all([
          this.ask<RecordVersion[]>(SyncSubjects.list(key), { bucket }),
          this.digests.list(source, bucket),
        ]);
        const mine = new Map(platformList.map((r) => [r.initiativeId, r]));
        for (const r of sourceList) {
          const m = mine.get(r.initiativeId);
          if (!m || m.version < r.version || (m.version === r.version && m.withdrawn !== r.withdrawn))
            wanted.push(r.initiativeId);
          mine.delete(r.initiativeId);
          if (m && m.version > r.version) report.unexplained.push(r.initiativeId);
        }
        report.unexplained.push(...mine.keys());
      }
      report.requested = wanted.length;
      for (let i = 0; i < wanted.length; i += RESEND_CHUNK) {
        const { resent } = await this.ask<{ resent: number }>(SyncSubjects.resend(key), {
          ids: wanted.slice(i, i + RESEND_CHUNK),
        });
        report.resent += resent;
      }
    } catch (err) {
      report.error = (err as Error).message;
    }
    await this.syncSources.recordRepair(source, report, report.resent);
    const line = { msg: 'reconciliation repair', source, ...report, unexplained: report.unexplained.slice(0, 20) };
    if (report.error || report.unexplained.length) this.log.warn(line);
    else this.log.info(line);
    return report;
  }

  private async ask<T>(subject: string, body: unknown): Promise<T> {
    const reply = await this.nc.request(subject, JSON.stringify(body), { timeout: 10_000 });
    const answer = reply.json<{ ok: boolean; result?: T; error?: string }>();
    if (!answer.ok) throw new Error(`${subject}: ${answer.error}`);
    return answer.result as T;
  }
}
