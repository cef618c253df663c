import { randomUUID } from 'node:crypto';
import { CloudEvent } from '@ctp/contracts';
import type {
  AuditAction,
  AuditChannel,
  AuditedEntry,
  AuditOutcome,
} from '../../apps/partner-liaison/src/outbound/domain/audit';
import { as, callerAt } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { ServiceProcess, waitFor } from '../support/services';

/** A feed item as partners receive it (pull feed and webhook body alike). */
export interface FeedItem {
  seq: number;
  kind: 'INITIATIVE' | 'RETRACTION' | 'NOTICE';
  initiativeId: string;
  version: number | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface PartnerSpec {
  ref: string;
  regions: string[];
  webhookUrl?: string;
}

/**
 * Registers a partner through `POST /partners`, as INTERPOL's partners administrator, and returns the webhook secret
 * the server generated for it (`whsec_…`, shown in that answer only), if it was given a webhook URL. The secret is
 * never chosen by the caller, and stored sealed: there is no other way to a partner than this route.
 */
export async function addPartner(
  service: ServiceProcess,
  _db: TestDatabase, // no longer written to directly: kept so that every caller's call stays the same
  p: PartnerSpec,
): Promise<{ secret?: string }> {
  const acronym = p.ref.slice(3);
  const res = await fetch(`${service.baseUrl}/partners`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await as.partnersAdmin()) },
    body: JSON.stringify({
      ref: p.ref,
      acronym,
      name: `${acronym} (test)`,
      type: 'UN_ENTITY',
      regions: p.regions,
      agreement: 'MoU 2019-07',
      ...(p.webhookUrl ? { webhook: { url: p.webhookUrl } } : {}),
    }),
  });
  const raw = await res.text();
  if (res.status !== 201) throw new Error(`POST /partners ${p.ref}: HTTP ${res.status} ${raw}`);
  const secret = (JSON.parse(raw) as { webhook: { secret?: string } | null }).webhook?.secret;
  if (p.webhookUrl && !secret?.startsWith('whsec_')) {
    throw new Error(`POST /partners ${p.ref}: no webhook secret in the answer: ${raw}`);
  }
  return secret ? { secret } : {};
}

/**
 * GET `path` as whoever really reads it: the partner of the path for `/partners/:ref/…`, the partners administrator
 * for `/audit` (see callerFor).
 */
export async function getJson<T>(
  service: ServiceProcess,
  path: string,
): Promise<{ status: number; body: T; raw: string }> {
  const res = await fetch(`${service.baseUrl}${path}`, { headers: await callerAt(`${service.baseUrl}${path}`) });
  const raw = await res.text();
  return { status: res.status, body: (raw ? JSON.parse(raw) : undefined) as T, raw };
}

/** POST `path` (no body) as whoever really makes it (see getJson). */
export async function postJson<T>(service: ServiceProcess, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${service.baseUrl}${path}`, {
    method: 'POST',
    headers: await callerAt(`${service.baseUrl}${path}`),
  });
  const raw = await res.text();
  return { status: res.status, body: (raw ? JSON.parse(raw) : undefined) as T };
}

/** Every item of a partner's feed, page by page, and the raw text of every page (to search for what must not be). */
export async function readWholeFeed(
  service: ServiceProcess,
  partnerRef: string,
  limit = 500,
): Promise<{ items: FeedItem[]; raw: string; pages: number }> {
  const items: FeedItem[] = [];
  let raw = '';
  let cursor = '0';
  let pages = 0;
  for (;;) {
    const page = await getJson<{ items: FeedItem[]; nextCursor: string }>(
      service,
      `/partners/${partnerRef}/feed?cursor=${cursor}&limit=${limit}`,
    );
    if (page.status !== 200) throw new Error(`feed of ${partnerRef}: HTTP ${page.status} ${page.raw}`);
    pages++;
    raw += page.raw;
    items.push(...page.body.items);
    if (page.body.items.length < limit) return { items, raw, pages };
    cursor = page.body.nextCursor;
  }
}

/** An audit line as the service answers it (JSON: dates as strings, absent fields as null), in the domain's words. */
export interface AuditLine {
  id: string;
  at: string;
  partnerRef: string;
  channel: AuditChannel;
  action: AuditAction;
  outcome: AuditOutcome;
  deliveryId: string | null;
  attempt: number | null;
  httpStatus: number | null;
  error: string | null;
  entries: AuditedEntry[];
}

/** Every audit line of `path` (`/audit?…` or `/partners/:ref/audit?…`) after `afterId`, following nextCursor. */
export async function readAudit(service: ServiceProcess, path: string, afterId?: string): Promise<AuditLine[]> {
  const lines: AuditLine[] = [];
  let cursor = afterId;
  const sep = path.includes('?') ? '&' : '?';
  for (;;) {
    const page = await getJson<{ items: AuditLine[]; nextCursor?: string }>(
      service,
      `${path}${sep}limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`${path}: HTTP ${page.status} ${page.raw}`);
    lines.push(...page.body.items);
    if (!page.body.nextCursor) return lines;
    cursor = page.body.nextCursor;
  }
}

/** Waits until a partner's feed holds an item matching `match`, and returns it. */
export async function waitForFeedItem(
  service: ServiceProcess,
  partnerRef: string,
  what: string,
  match: (item: FeedItem) => boolean,
  timeoutMs = 15_000,
): Promise<FeedItem> {
  return waitFor(
    `${partnerRef}'s feed to get ${what}`,
    async () => (await readWholeFeed(service, partnerRef)).items.find(match),
    timeoutMs,
    100,
  );
}

/** The platform's `ctp.overlap.flagged.v1` / `.cleared.v1`, as its outbox would publish it. */
export function overlapEvent(
  kind: 'flagged' | 'cleared',
  pairId: string,
  initiativeIds: [string, string],
  classification: 'DUPLICATE' | 'OVERLAP',
  score: number,
): { subject: string; event: CloudEvent } {
  return {
    subject: `ctp.platform.overlap.${kind}.v1`,
    event: {
      specversion: '1.0',
      id: randomUUID(),
      source: '/ctp/platform',
      type: `ctp.overlap.${kind}.v1`,
      subject: `overlap-${pairId}`,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: {
        pairId,
        initiativeIds,
        classification,
        previousClassification: kind === 'flagged' ? null : classification,
        score: kind === 'flagged' ? score : 0,
        rule: kind === 'flagged' ? 'SCORE' : 'NOT_BLOCKED',
        signals: kind === 'flagged' ? { title: 0.91, countries: 1, dates: 0.8 } : null,
        decision: null,
        canonicalId: null,
        clusterMembers: [],
      },
    },
  };
}

/** The recorded outcome of one consumed event (the inbox), once it has one. */
export async function outcomeOf(
  db: TestDatabase,
  consumer: string,
  eventId: string,
): Promise<{ outcome: string; reason: string | null }> {
  return waitFor(`the outcome of ${eventId}`, async () => {
    const rows = await db.query<{ outcome: string | null; reason: string | null }>(
      `SELECT outcome, reason FROM inbox_events WHERE consumer = $1 AND event_id = $2`,
      [consumer, eventId],
    );
    return rows[0]?.outcome ? { outcome: rows[0].outcome, reason: rows[0].reason } : undefined;
  });
}
