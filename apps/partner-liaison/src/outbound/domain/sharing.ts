import { InitiativeSnapshot, Visibility } from '@ctp/contracts';
import { HubRegionCode } from './record-rules';

/** What partner-liaison keeps of an INTERPOL record. `snapshot` is held only while the record is PARTNER_SHAREABLE. */
export interface LiaisonRecord {
  initiativeId: string;
  region: HubRegionCode;
  version: number;
  visibility: Visibility;
  withdrawn: boolean;
  snapshot: InitiativeSnapshot | null;
}

/** A partner, as far as sharing needs it: which regions' records it may receive. */
export interface PartnerScope {
  ref: string;
  /** Subset of AFR, MDE, ASI, EUR, GLB. */
  regions: readonly string[];
}

/** What a partner was last given of one record (table `partner_shares`). */
export interface Share {
  state: 'SHARED' | 'RETRACTED';
  /** The last version whose content the partner was sent. */
  sharedVersion: number;
}

export type RetractionReason = 'RESTRICTED' | 'WITHDRAWN';

export type SharingStep =
  | { kind: 'INITIATIVE'; partnerRef: string; initiativeId: string; version: number; snapshot: InitiativeSnapshot }
  | { kind: 'RETRACTION'; partnerRef: string; initiativeId: string; version: number; reason: RetractionReason };

/** Thrown when something would put INTERPOL_RESTRICTED content on its way to a partner: a bug, never a decision. */
export class RestrictedContentRefused extends Error {
  constructor(initiativeId: string) {
    super(`refused to share ${initiativeId}: it is not PARTNER_SHAREABLE`);
    this.name = 'RestrictedContentRefused';
  }
}

/**
 * Whether a partner with these regions receives a record of `region`. `GLB` (a global organisation: UNOCT, CTED,
 * UNODC's headquarters) receives every region's shareable records: hub records always belong to one of the four hub
 * regions, so without this a global partner would never receive anything.
 */
export function covers(partner: PartnerScope, region: string): boolean {
  return partner.regions.includes('GLB') || partner.regions.includes(region);
}

/** Shareable now: PARTNER_SHAREABLE, not withdrawn, and its (shareable) content known. */
export function isShareable(record: LiaisonRecord): record is LiaisonRecord & { snapshot: InitiativeSnapshot } {
  return (
    record.visibility === 'PARTNER_SHAREABLE' &&
    !record.withdrawn &&
    record.snapshot !== null &&
    record.snapshot.visibility === 'PARTNER_SHAREABLE'
  );
}

/** The one gate every snapshot passes before it becomes a feed entry: restricted content is refused, loudly. */
export function shareableContent(initiativeId: string, snapshot: InitiativeSnapshot | null): InitiativeSnapshot {
  if (!snapshot || snapshot.visibility !== 'PARTNER_SHAREABLE' || snapshot.initiativeId !== initiativeId) {
    throw new RestrictedContentRefused(initiativeId);
  }
  return snapshot;
}

/**
 * What one partner must be sent about one record now, given what it was given before:
 * - shareable, in the partner's regions, and newer than what it holds (or retracted since) → the new content;
 * - restricted or withdrawn while the partner holds it → a retraction, without content; a record it never received
 *   (or that was already retracted) produces nothing.
 * A partner that no longer covers a record's region keeps what it has but gets no updates of it.
 */
export function sharingStep(
  record: LiaisonRecord,
  partner: PartnerScope,
  share: Share | undefined,
): SharingStep | undefined {
  if (isShareable(record)) {
    if (!covers(partner, record.region)) return undefined;
    if (share?.state === 'SHARED' && share.sharedVersion >= record.version) return undefined;
    return {
      kind: 'INITIATIVE',
      partnerRef: partner.ref,
      initiativeId: record.initiativeId,
      version: record.version,
      snapshot: shareableContent(record.initiativeId, record.snapshot),
    };
  }
  if (share?.state !== 'SHARED') return undefined;
  return {
    kind: 'RETRACTION',
    partnerRef: partner.ref,
    initiativeId: record.initiativeId,
    version: record.version,
    reason: record.withdrawn ? 'WITHDRAWN' : 'RESTRICTED',
  };
}
