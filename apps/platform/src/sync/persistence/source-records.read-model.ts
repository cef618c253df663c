import { Injectable } from '@nestjs/common';
import { Inbox } from '@ctp/messaging';
import { DataSource } from 'typeorm';

/** What the platform holds of one source: its records in the registry, and the event received from it last. */
export interface SourceRecords {
  source: string;
  records: number;
  lastEventId: string | null;
  lastEventAt: Date | null;
  lastReportedAt: Date;
  highestVersion: number;
}

/** Per source the registry holds records from (in source order). */
@Injectable()
export class SourceRecordsReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async all(): Promise<SourceRecords[]> {
    const rows: { source: string; records: number; last_reported_at: Date; highest_version: number }[] =
      await this.dataSource.query(
        `SELECT r.source, count(*)::int AS records, max(r.last_reported_at) AS last_reported_at,
                max(r.version)::int AS highest_version
           FROM registry_initiatives r GROUP BY r.source ORDER BY r.source`,
      );
    const last = await Inbox.lastReceived(
      this.dataSource.manager,
      rows.map((r) => r.source),
    );
    return rows.map((r) => ({
      source: r.source,
      records: r.records,
      lastEventId: last.get(r.source)?.eventId ?? null,
      lastEventAt: last.get(r.source)?.receivedAt ?? null,
      lastReportedAt: r.last_reported_at,
      highestVersion: r.highest_version,
    }));
  }
}
