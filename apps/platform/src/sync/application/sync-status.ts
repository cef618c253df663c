import { Injectable } from '@nestjs/common';
import { JetStreamServer } from '@ctp/messaging';
import { CountedRefusal, RefusedRecords } from '../persistence/refused-records';
import { SourceReconciliation, SyncSources } from '../persistence/sync-sources';
import { SourceRecords, SourceRecordsReadModel } from '../persistence/source-records.read-model';

/** The refused records GET /sync lists per source, at most (the count is always whole). */
const REFUSED_LISTED = 20;

/** One source as `GET /sync` shows it: what the registry holds of it, its refusals, its last reconciliation. */
export interface SourceStatus {
  source: string;
  records?: SourceRecords;
  refused: { count: number; records: CountedRefusal[] };
  reconciliation?: SourceReconciliation;
}

export interface SyncStatusReport {
  /** Per durable consumer: its lag (empty when the broker could not be asked). */
  consumers: unknown;
  sources: SourceStatus[];
}

/** Per source (every source the registry holds records from or has reconciled, in order), and the consumers' lag. */
@Injectable()
export class SyncStatus {
  constructor(
    private readonly sourceRecords: SourceRecordsReadModel,
    private readonly syncSources: SyncSources,
    private readonly refusedRecords: RefusedRecords,
    private readonly server: JetStreamServer,
  ) {}

  async report(): Promise<SyncStatusReport> {
    const [sources, reconciliation, lag] = await Promise.all([
      this.sourceRecords.all(),
      this.syncSources.all(),
      this.server.lag().catch(() => ({})),
    ]);
    const bySource = new Map(reconciliation.map((r) => [r.source, r]));
    const all = [...new Set([...sources.map((s) => s.source), ...bySource.keys()])].sort();
    const refusedOf = new Map(
      await Promise.all(
        all.map(async (source) => [source, await this.refusedRecords.listCounted(source, REFUSED_LISTED)] as const),
      ),
    );
    return {
      consumers: lag,
      sources: all.map((source) => ({
        source,
        records: sources.find((x) => x.source === source),
        refused: refusedOf.get(source)!,
        reconciliation: bySource.get(source),
      })),
    };
  }
}
