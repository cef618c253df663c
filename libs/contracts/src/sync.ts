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

// md5, not hashtext: hashtext may change between PostgreSQL versions, and the two sides may not share one.
const bucketOf = (id: string) => `((('x' || substr(md5(${id}), 1, 7))::bit(28)::int) % ${SYNC_BUCKETS})`;
const digestOf = (id: string, version: string, withdrawn: string) =>
  `md5(coalesce(string_agg(${id} || ':' || ${version} || ':' || (CASE WHEN ${withdrawn} THEN 1 ELSE 0 END), ',' ORDER BY ${id} COLLATE "C"), ''))`;

/**
 * The SQL both sides use, so that equal sets of (id, version, withdrawn) give equal hashes: the bucket of an id, the
 * digest of a set of rows (`id`, `version` and `withdrawn` are the caller's column names), and the two queries a
 * repair compares, over a table with the columns initiative_id, version and withdrawn, restricted by `where`.
 */
export const SyncSql = {
  bucketOf,
  digestOf,
  /** Rows (bucket, count, hash) of the rows matching `where`, by bucket. */
  buckets: (table: string, where: string) =>
    `SELECT ${bucketOf('initiative_id')} AS bucket, count(*)::int AS count,
            ${digestOf('initiative_id', 'version', 'withdrawn')} AS hash
       FROM ${table} WHERE ${where} GROUP BY 1 ORDER BY 1`,
  /** Rows (initiative_id, version, withdrawn) of the rows matching `where` in the bucket given as `bucketParam`. */
  list: (table: string, where: string, bucketParam: string) =>
    `SELECT initiative_id, version, withdrawn FROM ${table}
      WHERE ${where} AND ${bucketOf('initiative_id')} = ${bucketParam}`,
} as const;
