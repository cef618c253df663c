import { Injectable } from '@nestjs/common';
import { SourceDigest } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { SourceReconciliation } from '../domain/source-reconciliation';

export type { SourceReconciliation };

/** `sync_sources`: per source, its last digest compared with ours, and the last repair. */
@Injectable()
export class SyncSources {
  constructor(private readonly dataSource: DataSource) {}

  /** Records a digest's comparison, in the transaction of the digest event. */
  async recordCheck(
    tx: Transaction,
    theirs: SourceDigest,
    ours: Omit<SourceDigest, 'generatedAt'>,
    matched: boolean,
  ): Promise<void> {
    await tx.manager.query(
      `INSERT INTO sync_sources (source, source_digest, platform_digest, matched, checked_at, last_mismatch_at)
       VALUES ($1, $2, $3, $4, now(), CASE WHEN $4 THEN NULL ELSE now() END)
       ON CONFLICT (source) DO UPDATE SET source_digest = excluded.source_digest, platform_digest = excluded.platform_digest,
         matched = excluded.matched, checked_at = now(), checks = sync_sources.checks + 1,
         last_mismatch_at = CASE WHEN excluded.matched THEN sync_sources.last_mismatch_at ELSE now() END`,
      [theirs.source, JSON.stringify(theirs), JSON.stringify(ours), matched],
    );
  }

  /** Records a repair's report (`resent`: how many records the source re-published). */
  async recordRepair(source: string, report: unknown, resent: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE sync_sources SET last_repair = $2, repaired_total = repaired_total + $3 WHERE source = $1`,
      [source, JSON.stringify(report), resent],
    );
  }

  async all(): Promise<SourceReconciliation[]> {
    const rows: {
      source: string;
      source_digest: unknown;
      platform_digest: unknown;
      matched: boolean;
      checked_at: Date;
      checks: number;
      last_mismatch_at: Date | null;
      last_repair: unknown;
      repaired_total: number;
    }[] = await this.dataSource.query(`SELECT * FROM sync_sources`);
    return rows.map((r) => ({
      source: r.source,
      sourceDigest: r.source_digest,
      platformDigest: r.platform_digest,
      matched: r.matched,
      checkedAt: r.checked_at,
      checks: r.checks,
      lastMismatchAt: r.last_mismatch_at,
      lastRepair: r.last_repair,
      repairedTotal: r.repaired_total,
    }));
  }
}
