import { Injectable } from '@nestjs/common';
import { BucketDigest, RecordVersion, SourceDigest } from '@ctp/contracts';
import { SyncSql } from '@ctp/messaging';
import type { Transaction } from '@ctp/persistence';
import { DataSource, EntityManager } from 'typeorm';
import { KNOWN_RECORDS } from './refused-records';

/**
 * The platform's view of one source's records, computed exactly as the source computes its own: the registry rows whose
 * `source` is that source (the envelope source they were applied from: `/ctp/hubs/<region>`, or
 * `/ctp/partner-liaison/<code>` for a partner's records relayed by partner-liaison), a record's newer version that was
 * refused for its content counting instead of the older one applied (KNOWN_RECORDS): re-publishing it would be refused
 * again, so it is no difference to repair.
 */
@Injectable()
export class SourceDigests {
  constructor(private readonly dataSource: DataSource) {}

  async digest(source: string, tx?: Transaction): Promise<Omit<SourceDigest, 'generatedAt'>> {
    const m: EntityManager = tx?.manager ?? this.dataSource.manager;
    const [row]: { count: number; hash: string }[] = await m.query(
      `SELECT count(*)::int AS count, ${SyncSql.digestOf('initiative_id', 'version', 'withdrawn')} AS hash
         FROM ${KNOWN_RECORDS}`,
      [source],
    );
    return { source, count: row.count, hash: row.hash };
  }

  async buckets(source: string): Promise<BucketDigest[]> {
    return this.dataSource.query(SyncSql.buckets(KNOWN_RECORDS, 'true'), [source]);
  }

  async list(source: string, bucket: number): Promise<RecordVersion[]> {
    const rows: { initiative_id: string; version: number; withdrawn: boolean }[] = await this.dataSource.query(
      SyncSql.list(KNOWN_RECORDS, 'true', '$2'),
      [source, bucket],
    );
    return rows.map((r) => ({ initiativeId: r.initiative_id, version: r.version, withdrawn: r.withdrawn }));
  }
}
