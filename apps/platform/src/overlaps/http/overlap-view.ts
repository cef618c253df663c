import type { PairRecord, StoredPair } from '../domain/overlap-pair';
import type { PairWithRecords } from '../application/overlap-queries';

/** A record of a pair as the API answers it (the mapper below copies exactly these fields). */
export type PairRecordView = Pick<
  PairRecord,
  | 'initiativeId'
  | 'reporter'
  | 'kind'
  | 'status'
  | 'title'
  | 'titleAlt'
  | 'codeName'
  | 'countries'
  | 'primaryActionStream'
  | 'start'
  | 'end'
  | 'dates'
  | 'withdrawn'
  | 'clusterId'
>;

/** A pair as the API answers it: its verdict, any decision with who made it, and the records the reader may see. */
export interface OverlapView extends Pick<
  StoredPair,
  | 'id'
  | 'aId'
  | 'bId'
  | 'classification'
  | 'score'
  | 'rule'
  | 'signals'
  | 'decision'
  | 'decisionNote'
  | 'decidedAt'
  | 'decidedBy'
  | 'effective'
  | 'firstFlaggedAt'
  | 'updatedAt'
> {
  records: PairRecordView[];
}

export function toOverlapView({ pair, records }: PairWithRecords): OverlapView {
  return {
    id: pair.id,
    aId: pair.aId,
    bId: pair.bId,
    classification: pair.classification,
    score: pair.score,
    rule: pair.rule,
    signals: pair.signals,
    decision: pair.decision,
    decisionNote: pair.decisionNote,
    decidedAt: pair.decidedAt,
    decidedBy: pair.decidedBy,
    effective: pair.effective,
    firstFlaggedAt: pair.firstFlaggedAt,
    updatedAt: pair.updatedAt,
    records: records.map((r) => ({
      initiativeId: r.initiativeId,
      reporter: r.reporter,
      kind: r.kind,
      status: r.status,
      title: r.title,
      titleAlt: r.titleAlt,
      codeName: r.codeName,
      countries: r.countries,
      primaryActionStream: r.primaryActionStream,
      start: r.start,
      end: r.end,
      dates: r.dates,
      withdrawn: r.withdrawn,
      clusterId: r.clusterId,
    })),
  };
}
