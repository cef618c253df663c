import type { DecidedBy } from '../domain/overlap-pair';
import type { PairWithRecords } from '../application/overlap-queries';

export interface PairRecordView {
  initiativeId: string;
  reporter: string;
  kind: string;
  title: { lang: string; text: string };
  countries: string[];
  primaryActionStream: string;
  start: string | null;
  end: string | null;
  withdrawn: boolean;
  clusterId: string | null;
}

/** A pair as the API answers it: its verdict, any decision with who made it, and the records the reader may see. */
export interface OverlapView {
  id: string;
  aId: string;
  bId: string;
  classification: string | null;
  score: number | null;
  rule: string | null;
  signals: unknown;
  decision: string | null;
  decisionNote: string | null;
  decidedAt: string | null;
  /** Who made the decision: the `sub` and `org` of the analyst's token. */
  decidedBy: DecidedBy | null;
  effective: string | null;
  firstFlaggedAt: string;
  updatedAt: string;
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
      title: r.title,
      countries: r.countries,
      primaryActionStream: r.primaryActionStream,
      start: r.start,
      end: r.end,
      withdrawn: r.withdrawn,
      clusterId: r.clusterId,
    })),
  };
}
