/**
 * The console's hash routes (`/console/#/rollups`, `#/review`, `#/registry?region=EUR`, `#/registry/<id>`,
 * `#/operations`) and the query strings of the API calls: pure functions, unit-tested.
 */
export type Route =
  | { page: 'rollups'; params: Record<string, string> }
  | { page: 'review'; params: Record<string, string> }
  | { page: 'registry'; params: Record<string, string> }
  | { page: 'record'; id: string; params: Record<string, string> }
  | { page: 'operations'; params: Record<string, string> }
  | { page: 'not-found'; path: string; params: Record<string, string> };

/** Parses `#/registry/IP-HUB-EUR-x?tab=1` (or '' for the default page, the rollups). */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q === -1 ? raw : raw.slice(0, q)).replace(/^\/+|\/+$/g, '');
  const params = paramsOf(q === -1 ? '' : raw.slice(q + 1));
  const [head, ...rest] = path.split('/');
  switch (head) {
    case '':
    case 'rollups':
      return rest.length === 0 ? { page: 'rollups', params } : { page: 'not-found', path, params };
    case 'review':
      return rest.length === 0 ? { page: 'review', params } : { page: 'not-found', path, params };
    case 'operations':
      return rest.length === 0 ? { page: 'operations', params } : { page: 'not-found', path, params };
    case 'registry':
      if (rest.length === 0) return { page: 'registry', params };
      if (rest.length === 1 && rest[0] !== '') return { page: 'record', id: safeDecode(rest[0]), params };
      return { page: 'not-found', path, params };
    default:
      return { page: 'not-found', path, params };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function paramsOf(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) if (v !== '') out[k] = v;
  return out;
}

/** `?a=1&b=x` from the given values, in the given order, leaving out undefined, null and empty ones; '' if none. */
export function queryString(params: Record<string, string | number | boolean | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    sp.append(k, String(v));
  }
  const s = sp.toString();
  return s === '' ? '' : `?${s}`;
}

/** The registry's filters, as the registry page and its hash carry them. */
export interface RegistryFilters {
  q?: string;
  region?: string;
  reporter?: string;
  stream?: string;
  status?: string;
  country?: string;
  kind?: string;
}

export const REGISTRY_FILTER_KEYS = ['q', 'region', 'reporter', 'stream', 'status', 'country', 'kind'] as const;

/** The filters found in a route's params (anything else is ignored). */
export function registryFiltersOf(params: Record<string, string>): RegistryFilters {
  const out: RegistryFilters = {};
  for (const k of REGISTRY_FILTER_KEYS) {
    const v = params[k]?.trim();
    if (v) out[k] = v;
  }
  return out;
}

/** The registry page's link for these filters: `#/registry?region=EUR&stream=IDENTIFICATION`. */
export function registryHref(filters: RegistryFilters): string {
  return `#/registry${queryString({ ...pick(filters) })}`;
}

/** A record page's link. */
export function recordHref(initiativeId: string): string {
  return `#/registry/${encodeURIComponent(initiativeId)}`;
}

/**
 * GET /initiatives's query for these filters and page: the country upper-cased (ISO codes), the reporter as typed,
 * the cursor of the page to read (none for the first).
 */
export function registryApiPath(filters: RegistryFilters, cursor?: string, limit = 50): string {
  const f = pick(filters);
  return `/initiatives${queryString({
    ...f,
    country: f.country?.toUpperCase(),
    limit,
    cursor,
  })}`;
}

/** GET /overlaps's query for the review queue: awaiting a decision (or decided one way), highest score first. */
export function overlapsApiPath(decision: 'NONE' | 'CONFIRMED' | 'REJECTED', cursor?: string, limit = 100): string {
  return `/overlaps${queryString({ decision, sort: 'score', limit, cursor })}`;
}

function pick(filters: RegistryFilters): RegistryFilters {
  const out: RegistryFilters = {};
  for (const k of REGISTRY_FILTER_KEYS) {
    const v = filters[k]?.trim();
    if (v) out[k] = v;
  }
  return out;
}
