import { InitiativeEventType, PARTNER_CODE_CHARSET, parseSource } from './events';
import { HUB_REGIONS } from './regions';

/*
 * Reconciliation (anti-entropy) between a source of records (a hub, partner-liaison) and the platform. The source
 * publishes a digest of its records on its own subject, after the events it summarises (same outbox, same order);
 * on a mismatch the platform narrows the difference down by buckets over NATS request/reply and asks the source to
 * re-publish the records that differ. Internal to CTP; the subjects stay under each source's own prefix.
 */

export const SYNC_DIGEST_TYPE = 'ctp.sync.digest.v1';

/** How records are spread over buckets when narrowing a difference down. */
export const SYNC_BUCKETS = 32;

export interface SourceDigest {
  source: string;
  /** Live and withdrawn records the source holds. */
  count: number;
  /** md5 over "<initiativeId>:<version>:<withdrawn 0|1>" joined by "," in initiativeId order. */
  hash: string;
  generatedAt: string;
}

export interface BucketDigest {
  bucket: number;
  count: number;
  hash: string;
}

export interface RecordVersion {
  initiativeId: string;
  version: number;
  withdrawn: boolean;
}

export const SyncSubjects = {
  /** Where a hub publishes its digest (captured by CTP_EVENTS, read by the platform's hub consumer). */
  hubDigest: (region: string) => `ctp.hub.${region}.sync.digest.v1`,
  /** Where partner-liaison publishes one partner's digest (read by the platform's partner consumer). */
  partnerDigest: (partnerCode: string) => `ctp.partner.${partnerCode.toLowerCase()}.sync.digest.v1`,
  /** Core request/reply, outside `ctp.>` (a stream would answer the request with its PubAck). */
  buckets: (sourceKey: string) => `ctp-sync.${sourceKey}.buckets`,
  list: (sourceKey: string) => `ctp-sync.${sourceKey}.list`,
  resend: (sourceKey: string) => `ctp-sync.${sourceKey}.resend`,
} as const;

/** `/ctp/hubs/eur` → `hub.eur`, `/ctp/partner-liaison/unodc` → `partner.unodc`: the key in request subjects. */
export function syncKeyOf(source: string): string | undefined {
  const parsed = parseSource(source);
  if (parsed?.kind === 'hub') return `hub.${parsed.region}`;
  if (parsed?.kind === 'partner') return `partner.${parsed.code}`;
  return undefined;
}

/** The subject the digest of `source` must arrive on; undefined for a source that publishes none. */
export function digestSubjectOf(source: string): string | undefined {
  const key = syncKeyOf(source);
  if (!key) return undefined;
  const [kind, name] = key.split('.');
  return kind === 'hub' ? SyncSubjects.hubDigest(name) : SyncSubjects.partnerDigest(name);
}

const REQUEST_SUBJECT = new RegExp(
  `^ctp-sync\\.(hub\\.(?:${HUB_REGIONS.join('|')})|partner\\.${PARTNER_CODE_CHARSET})\\.(?:buckets|list|resend)$`,
);

/** `ctp-sync.partner.unodc.list` → `partner.unodc`: whose records a request asks about (one may subscribe by wildcard). */
export function syncKeyOfRequest(subject: string): string | undefined {
  return REQUEST_SUBJECT.exec(subject)?.[1];
}

/** The type a re-published snapshot goes out with: what its own change was (the consumer judges it as any other). */
export function resentEventType(version: number, withdrawn: boolean): InitiativeEventType {
  if (withdrawn) return InitiativeEventType.Withdrawn;
  return version === 1 ? InitiativeEventType.Reported : InitiativeEventType.Updated;
}
