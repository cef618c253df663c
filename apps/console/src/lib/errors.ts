/**
 * The API's errors as the console shows them. Every error body of the platform is
 * `{ statusCode, error, message, details: [{ field, rule, message }] }`; a 403 names what the token lacks
 * ("needs scope ops:read; the token has registry:read", or the organisation the route needs).
 */
export interface ApiErrorBody {
  statusCode?: number;
  error?: string;
  message?: string | string[];
  details?: { field?: string; rule?: string; message?: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
    readonly path: string,
  ) {
    super(messageOf(status, body));
    this.name = 'ApiError';
  }
}

function messageOf(status: number, body: ApiErrorBody | undefined): string {
  const m = body?.message;
  const text = Array.isArray(m) ? m.join('; ') : m;
  return text || body?.error || `HTTP ${status}`;
}

/** The right a 403 says is missing: the scope(s) (e.g. "ops:read") or the organisation it needs; undefined if none. */
export function missingRight(body: ApiErrorBody | undefined): string | undefined {
  const detail = body?.details?.find((d) => d.field === 'scope' || d.field === 'org');
  const text = detail?.message ?? (Array.isArray(body?.message) ? body?.message.join('; ') : body?.message) ?? '';
  const scope = /needs scope ([^;]+?)(?:;|$)/.exec(text);
  if (scope) return scope[1].trim();
  const org = /it needs (.+)$/.exec(text);
  if (org) return org[1].trim();
  return detail?.message;
}

export type ErrorKind = 'session' | 'forbidden' | 'not-found' | 'other';

export interface ShownError {
  kind: ErrorKind;
  title: string;
  detail: string;
}

/** What to tell the user about a failed call. */
export function describeError(err: unknown): ShownError {
  if (err instanceof ApiError) {
    if (err.status === 401) {
      return {
        kind: 'session',
        title: 'Your session has expired',
        detail: 'The platform no longer accepts your sign-in. Sign in again to continue.',
      };
    }
    if (err.status === 403) {
      const right = missingRight(err.body);
      return {
        kind: 'forbidden',
        title: 'You do not have the right to see this',
        detail: right
          ? `Your sign-in lacks the right this needs: ${right}. Ask your administrator for it.`
          : err.message,
      };
    }
    if (err.status === 404) return { kind: 'not-found', title: 'Not found', detail: err.message };
    return { kind: 'other', title: `The platform answered ${err.status}`, detail: err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'other', title: 'The platform could not be reached', detail: message };
}
