import { CloudEvent, EventSources, LocalizedText, PlatformEventType, Subjects, Visibility } from '@ctp/contracts';
import { LiaisonRecord, PartnerScope, shareableContent } from './sharing';

// A Map, so that an event type such as `constructor` or `__proto__` finds nothing.
const SUBJECT_OF_TYPE: ReadonlyMap<string, string> = new Map(
  [PlatformEventType.OverlapFlagged, PlatformEventType.OverlapCleared].map((t) => [t, Subjects.platformEvent(t)]),
);

export const OVERLAP_EVENT_TYPES = [...SUBJECT_OF_TYPE.keys()];

export type NoticeClassification = 'DUPLICATE' | 'OVERLAP' | 'CLEARED';

/** What partners may learn of one flagged or cleared pair: no rule, no signals (they describe the other record). */
export interface PairChange {
  pairId: string;
  initiativeIds: [string, string];
  classification: NoticeClassification;
  score: number | null;
}

export type OverlapVerdict =
  | { outcome: 'APPLY'; change: PairChange }
  | { outcome: 'REJECTED'; reason: 'OWNERSHIP_VIOLATION' | 'SCHEMA'; detail: string };

/** Checks a `ctp.overlap.flagged.v1` / `.cleared.v1` event: the platform's, on its own subject, with a usable pair. */
export function readOverlapEvent(event: CloudEvent<unknown>, arrivedOn: string): OverlapVerdict {
  const expectedSubject = SUBJECT_OF_TYPE.get(event.type);
  if (event.source !== EventSources.platform || !expectedSubject || arrivedOn !== expectedSubject) {
    return {
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
      detail: `${event.type} from ${event.source} on ${arrivedOn}: only ${EventSources.platform} flags pairs, on ctp.platform.overlap.>`,
    };
  }
  const data = (event.data ?? {}) as Record<string, unknown>;
  const schema = (detail: string): OverlapVerdict => ({ outcome: 'REJECTED', reason: 'SCHEMA', detail });
  const pairId = typeof data.pairId === 'number' ? String(data.pairId) : data.pairId;
  if (typeof pairId !== 'string' || pairId.length === 0 || pairId.length > 100) {
    return schema('pairId must be a non-empty string');
  }
  const ids = data.initiativeIds;
  if (
    !Array.isArray(ids) ||
    ids.length !== 2 ||
    !ids.every((id) => typeof id === 'string' && id.length > 0 && id.length < 200) ||
    ids[0] === ids[1]
  ) {
    return schema('initiativeIds must be two different initiative ids');
  }
  const score = data.score === null || data.score === undefined ? null : data.score;
  if (score !== null && (typeof score !== 'number' || !Number.isFinite(score))) {
    return schema('score must be a number or null');
  }
  let classification: NoticeClassification;
  if (event.type === PlatformEventType.OverlapCleared) classification = 'CLEARED';
  else if (data.classification === 'DUPLICATE' || data.classification === 'OVERLAP') {
    classification = data.classification;
  } else return schema('a flagged pair must be classified DUPLICATE or OVERLAP');
  return {
    outcome: 'APPLY',
    change: { pairId, initiativeIds: [ids[0] as string, ids[1] as string], classification, score },
  };
}

/** One partner to tell about a pair: the pair involves `ownId`, a record that partner reported. */
export interface NoticeTarget {
  partnerRef: string;
  ownId: string;
  otherId: string;
}

/** `PT-UNODC-…` is UNODC's: a partner's records are under its ref. Both sides of a pair may be partners' records. */
export function noticeTargets(change: PairChange, partners: readonly PartnerScope[]): NoticeTarget[] {
  const [a, b] = change.initiativeIds;
  const out: NoticeTarget[] = [];
  for (const [ownId, otherId] of [
    [a, b],
    [b, a],
  ]) {
    const partner = partners.find((p) => p.ref.startsWith('PT-') && ownId.startsWith(`${p.ref}-`));
    if (partner) out.push({ partnerRef: partner.ref, ownId, otherId });
  }
  return out;
}

/** The other record of a pair as the partner may see it: a record it may see, described by id, reporter and title. */
export interface OtherRecord {
  initiativeId: string;
  reporter: string;
  title?: LocalizedText;
}

/**
 * What to do with a notice about `target`'s pair:
 * - `WAIT`: the other record is an INTERPOL record partner-liaison has not heard of yet (its hub's event is still on
 *   its way: the platform consumes it independently): keep the notice until it arrives, unless `final`;
 * - `WITHHOLD`: the other record is restricted, or still unknown when waiting is over: no notice at all. A partner
 *   never learns that a record it may not see exists, so not even "your record matches something you may not see";
 * - otherwise the other record as the partner may see it (its own, or a PARTNER_SHAREABLE one).
 */
export type NoticeDecision = OtherRecord | 'WAIT' | 'WITHHOLD';

/** What partner-liaison knows of a record, as far as describing it in a notice goes. */
export interface RecordFacts {
  initiativeId: string;
  reporter: string;
  visibility: Visibility;
  /** Present only when the record is PARTNER_SHAREABLE (restricted content is not held). */
  title?: LocalizedText;
}

/** The facts of an INTERPOL record partner-liaison holds; the title only of shareable content. */
export function factsOfRecord(record: LiaisonRecord): RecordFacts {
  const shareable = record.visibility === 'PARTNER_SHAREABLE' && record.snapshot !== null;
  return {
    initiativeId: record.initiativeId,
    reporter: `IP-HUB-${record.region}`,
    visibility: record.visibility,
    ...(shareable ? { title: shareableContent(record.initiativeId, record.snapshot).title } : {}),
  };
}

/** See NoticeDecision. The partner's own other record is always described (id, reporter, title when known). */
export function describeOther(target: NoticeTarget, facts: RecordFacts | undefined, final: boolean): NoticeDecision {
  if (target.otherId.startsWith(`${target.partnerRef}-`)) {
    return {
      initiativeId: target.otherId,
      reporter: target.partnerRef,
      ...(facts?.title ? { title: facts.title } : {}),
    };
  }
  if (!facts) return target.otherId.startsWith('IP-') && !final ? 'WAIT' : 'WITHHOLD';
  if (facts.visibility !== 'PARTNER_SHAREABLE' || !facts.title) return 'WITHHOLD';
  return { initiativeId: facts.initiativeId, reporter: facts.reporter, title: facts.title };
}

export interface NoticePayload {
  pairId: string;
  classification: NoticeClassification;
  score: number | null;
  /** The partner's own record. */
  initiativeId: string;
  other: OtherRecord;
}

export function noticeOf(
  change: Pick<PairChange, 'pairId' | 'classification' | 'score'>,
  target: NoticeTarget,
  other: OtherRecord,
): NoticePayload {
  return {
    pairId: change.pairId,
    classification: change.classification,
    score: change.score,
    initiativeId: target.ownId,
    other,
  };
}
