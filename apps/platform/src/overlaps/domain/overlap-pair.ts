export type { PairView as StoredPair } from '@ctp/contracts';

/** A record compared with fewer candidates than it has (`detection_capped`), for an analyst to look at. */
export interface CappedRecordView {
  initiativeId: string;
  /** Candidates found at its last detection run. */
  candidates: number;
  /** Candidates it was compared with (the cap then). */
  compared: number;
  cap: number;
  /** When it was first found over the cap (kept while it stays over). */
  flaggedAt: string;
  /** Its last detection run. */
  detectedAt: string;
}

export interface DecidedBy {
  sub: string;
  org: string;
}

/** A record of a pair, as its reader may see it: what an analyst needs to judge the pair, and its cluster. */
export interface PairRecord {
  initiativeId: string;
  reporter: string;
  kind: string;
  status: string;
  title: { lang: string; text: string };
  /** The title in other languages (empty when none), each in its own language. */
  titleAlt: { lang: string; text: string }[];
  codeName: string | null;
  countries: string[];
  primaryActionStream: string;
  /** The interval the matcher compared: actual dates where known, else planned. */
  start: string | null;
  end: string | null;
  /** The dates as reported (planned and actual). */
  dates: { plannedStart?: string; plannedEnd?: string; actualStart?: string; actualEnd?: string };
  withdrawn: boolean;
  clusterId: string | null;
}
