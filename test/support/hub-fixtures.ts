import { callerAt, hasAuthorization } from './auth';

/** A valid body for a hub's POST /initiatives, to be varied by each test. */
export function initiativeBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'TRN',
    title: { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
    titleAlt: [{ lang: 'en', text: 'Regional training on foreign terrorist fighters' }],
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
    capabilities: ['CAPACITY_BUILDING', 'BORDER_MANAGEMENT'],
    status: 'PIPELINE',
    dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
    scope: 'REGIONAL',
    recipientCountries: ['FR', 'BE'],
    participatingOrgs: [{ ref: 'PT-EUROPOL', name: 'Europol', role: 'IMPLEMENTING' }],
    visibility: 'PARTNER_SHAREABLE',
    ...overrides,
  };
}

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * One request to a service a test started, with the token of whoever really makes it (`callerFor`: the hub's own
 * system at a hub, the analyst at the platform, the partner of the path or the partners administrator at
 * partner-liaison), unless `headers` name another (`authorization`).
 */
export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer<T>> {
  const auth = hasAuthorization(headers) ? {} : await callerAt(`${baseUrl}${path}`);
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}
