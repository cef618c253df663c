/*
 * The orders GET /overlaps lists pairs in, and their cursors. `id` (the default): oldest pair first, the cursor the last
 * id. `score`: highest score first (a pair without a score last), ties by id, so that paging is stable; the cursor
 * names the last pair's score and id, opaque to the client (base64url of `[score, id]`).
 */

export const PAIR_ORDERS = ['id', 'score'] as const;
export type PairOrder = (typeof PAIR_ORDERS)[number];

/** Where a page in score order ends: the next page starts after this score and id. */
export interface ScorePosition {
  /** null: a pair without a score (sorted after every scored one). */
  score: number | null;
  id: string;
}

const PAIR_ID = /^[0-9]{1,18}$/;

export function scoreCursorOf(p: ScorePosition): string {
  return Buffer.from(JSON.stringify([p.score, p.id]), 'utf8').toString('base64url');
}

/** The position a score cursor names, or undefined when the value is not one `scoreCursorOf` made. */
export function scorePositionOf(cursor: string): ScorePosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [score, id] = value as unknown[];
  if (!(score === null || (typeof score === 'number' && Number.isFinite(score)))) return undefined;
  if (typeof id !== 'string' || !PAIR_ID.test(id)) return undefined;
  return { score, id };
}

/** The id cursor (the default order): the pair's id, as given out before sorting by score existed. */
export function idPositionOf(cursor: string): string | undefined {
  return PAIR_ID.test(cursor) ? cursor : undefined;
}

/** What a page of pairs is asked for: filters, the order, the cursor in that order, how many. */
export interface OverlapListFilter {
  classification?: string;
  decision?: string;
  initiativeId?: string;
  /** `id` (default): oldest first. `score`: highest score first, ties by id. */
  order?: PairOrder;
  /** The cursor in id order: pairs after this id. */
  afterId?: string;
  /** The cursor in score order: pairs after this score and id. */
  afterScore?: ScorePosition;
  limit: number;
}
