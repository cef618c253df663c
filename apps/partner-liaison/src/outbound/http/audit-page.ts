import { OutboundQueries } from '../application/outbound-queries';
import { QueryParams } from './query-params';
import { AuditView, auditView } from './views';

/** Shared by GET /audit and GET /partners/:ref/audit. */
export async function auditPage(
  queries: OutboundQueries,
  query: Record<string, unknown>,
  partnerRef?: string,
): Promise<{ items: AuditView[]; nextCursor?: string }> {
  const q = new QueryParams(query);
  const initiativeId = q.optionalString('initiativeId');
  const partner = partnerRef ?? q.optionalString('partner');
  const after = q.cursor();
  const limit = q.limit(100, 500);
  q.done();
  const lines = await queries.auditLines(
    { partnerRef: partner, initiativeId, afterId: after ? String(after) : undefined, limit: limit + 1 },
    partnerRef !== undefined,
  );
  const page = lines.slice(0, limit).map(auditView);
  return lines.length > limit ? { items: page, nextCursor: page[page.length - 1].id } : { items: page };
}
