import { readServiceConfig, ServiceConfig } from '@ctp/http';
import { EnvReader } from '@ctp/observability';

/** The longest DETECTION_DEFER_MS may be (platform:rebuild uses it: detection waits for its replay). */
export const DETECTION_DEFER_MAX_MS = 60_000;

export interface PlatformConfig extends ServiceConfig {
  /** Most events applied in one transaction. */
  maxBatch: number;
  /** How long the broker waits for an ack before redelivering (a crashed consumer's messages come back after it). */
  ackWaitMs: number;
  /** Deliveries before a failing event is dead-lettered. */
  maxDeliver: number;
  /** Wait up to this long for more messages before applying a small batch (fewer statements per event). */
  lingerMs: number;
  /** Batches of one consumer applied at the same time under a backlog (different initiatives in each). */
  concurrentBatches: number;
  /** Wait this long after a change before publishing the rollup, so a burst gives one rollup event. */
  rollupDebounceMs: number;
  /** Most queued records one detection run compares (one transaction). */
  detectionMaxBatch: number;
  /** The detection worker also looks at its queue this often (work queued by another instance, or left by a crash). */
  detectionPollMs: number;
  /** At least this long between two detection runs, so a trickle of changes is compared in batches, not one by one. */
  detectionIntervalMs: number;
  /** While the consumer has events waiting, a detection run waits up to this long for it (applying comes first). */
  detectionDeferMs: number;
  /** Match candidates kept in memory between detection runs (0: none; each is rebuilt from its snapshot). */
  detectionCacheSize: number;
  /** Most candidates one changed record is compared with; a record with more is flagged (detection_capped). */
  detectionMaxCandidates: number;
  /** The matching model in use is read again from `matching_models` this often (an applied model is in use within it). */
  matchingModelRefreshMs: number;
  /** The analysts' console served at /console (apps/platform/src/console). */
  console: ConsoleConfig;
}

/** Where the console's users sign in (OpenID Connect, Authorization Code with PKCE in the browser). */
export interface ConsoleOidcConfig {
  /** The issuer URL (CONSOLE_OIDC_AUTHORITY), without a trailing slash. */
  authority: string;
  clientId: string;
  /** Space-separated, `openid` first. */
  scope: string;
}

export interface ConsoleConfig {
  /** Unset (no CONSOLE_OIDC_AUTHORITY): the console is not served at all, /console answers 404 (deny by default). */
  oidc?: ConsoleOidcConfig;
  /** What the console tells its users it runs against (a banner in development). */
  environment: 'development' | 'production';
  /** The built console (index.html and assets/), CONSOLE_STATIC_DIR; relative to the working directory. */
  staticDir: string;
  /** The services whose health and outbox GET /console/operations shows (CONSOLE_SERVICES). */
  services: ConsoleService[];
  /** How often the one poller behind GET /console/stream reads the database's change marks. */
  streamPollMs: number;
  /** Open streams one identity (token org + sub) may hold at once; one more is refused 429. */
  streamMaxPerIdentity: number;
  /** Open streams in all; one more is refused 503. */
  streamMaxTotal: number;
}

export interface ConsoleService {
  name: string;
  /** Its base URL (no trailing slash): /health/ready and /metrics are read under it. */
  url: string;
}

export const CONSOLE_DEFAULT_CLIENT_ID = 'ctp-console';
export const CONSOLE_DEFAULT_SCOPE = 'openid registry:read registry:read-restricted overlaps:decide ops:read';
/** More services than this in CONSOLE_SERVICES is a mistake (each is asked on every GET /console/operations). */
const CONSOLE_MAX_SERVICES = 50;
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
/** RFC 6749 §3.3: a scope token is printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const CLIENT_ID = /^[\x21-\x7e]{1,200}$/;
const SERVICE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The only place the platform reads process.env. */
export function loadPlatformConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { serveHttp?: boolean } = {},
): PlatformConfig {
  const r = new EnvReader(env);
  const config: PlatformConfig = {
    ...readServiceConfig(r, env, {
      service: 'platform',
      defaultPort: 3000,
      database: 'ctp_platform',
      serveHttp: options.serveHttp,
    }),
    maxBatch: r.int('CONSUMER_MAX_BATCH', 500, 1, 5000),
    ackWaitMs: r.int('CONSUMER_ACK_WAIT_MS', 30_000, 1000, 3_600_000),
    maxDeliver: r.int('CONSUMER_MAX_DELIVER', 5, 1, 1000),
    lingerMs: r.int('CONSUMER_LINGER_MS', 5, 0, 1000),
    concurrentBatches: r.int('CONSUMER_CONCURRENT_BATCHES', 2, 1, 8),
    rollupDebounceMs: r.int('ROLLUP_DEBOUNCE_MS', 1000, 10, 600_000),
    detectionMaxBatch: r.int('DETECTION_MAX_BATCH', 2000, 1, 50_000),
    detectionPollMs: r.int('DETECTION_POLL_MS', 2000, 50, 600_000),
    detectionIntervalMs: r.int('DETECTION_INTERVAL_MS', 200, 0, 60_000),
    detectionDeferMs: r.int('DETECTION_DEFER_MS', 3000, 0, DETECTION_DEFER_MAX_MS),
    detectionCacheSize: r.int('DETECTION_CACHE_SIZE', 50_000, 0, 5_000_000),
    detectionMaxCandidates: r.int('DETECTION_MAX_CANDIDATES', 1000, 1, 100_000),
    matchingModelRefreshMs: r.int('MATCHING_MODEL_REFRESH_MS', 30_000, 100, 600_000),
    console: readConsoleConfig(r, env),
  };
  r.done('platform');
  return config;
}

/**
 * CONSOLE_OIDC_AUTHORITY (unset: no console), CONSOLE_OIDC_CLIENT_ID, CONSOLE_OIDC_SCOPE, CONSOLE_ENVIRONMENT,
 * CONSOLE_STATIC_DIR, CONSOLE_SERVICES, CONSOLE_STREAM_*: each problem named with its variable, reported with the
 * platform's others.
 */
export function readConsoleConfig(r: EnvReader, env: NodeJS.ProcessEnv): ConsoleConfig {
  const authority = readAuthority(r, env);
  const environment = r.oneOf(
    'CONSOLE_ENVIRONMENT',
    ['development', 'production'] as const,
    authority && isLoopback(authority) ? 'development' : 'production',
  );
  if (authority && environment === 'production' && new URL(authority).protocol !== 'https:') {
    r.problems.push(
      `CONSOLE_OIDC_AUTHORITY=${JSON.stringify(authority)} must be an https:// URL in production (http:// only on loopback, or with CONSOLE_ENVIRONMENT=development)`,
    );
  }
  const clientId = r.string('CONSOLE_OIDC_CLIENT_ID', CONSOLE_DEFAULT_CLIENT_ID);
  if (!CLIENT_ID.test(clientId)) {
    r.problems.push(
      `CONSOLE_OIDC_CLIENT_ID=${JSON.stringify(clientId)} must be 1 to 200 printable ASCII characters without spaces`,
    );
  }
  const scope = readScope(r, r.string('CONSOLE_OIDC_SCOPE', CONSOLE_DEFAULT_SCOPE));
  return {
    ...(authority ? { oidc: { authority, clientId, scope } } : {}),
    environment,
    staticDir: r.string('CONSOLE_STATIC_DIR', 'dist/console'),
    services: parseConsoleServices(r, env.CONSOLE_SERVICES, environment),
    streamPollMs: r.int('CONSOLE_STREAM_POLL_MS', 1000, 100, 60_000),
    streamMaxPerIdentity: r.int('CONSOLE_STREAM_MAX_PER_IDENTITY', 5, 1, 100),
    streamMaxTotal: r.int('CONSOLE_STREAM_MAX_TOTAL', 200, 1, 10_000),
  };
}

function readAuthority(r: EnvReader, env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.CONSOLE_OIDC_AUTHORITY;
  if (raw === undefined || raw === '') return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
    if (u.username || u.password || u.search || u.hash) throw new Error();
  } catch {
    r.problems.push(
      `CONSOLE_OIDC_AUTHORITY=${JSON.stringify(raw)} must be the OpenID Connect issuer's URL (https://…, without credentials, query or fragment)`,
    );
    return undefined;
  }
  return raw.replace(/\/+$/, '');
}

function isLoopback(url: string): boolean {
  return LOOPBACK_HOSTS.includes(new URL(url).hostname);
}

function readScope(r: EnvReader, scope: string): string {
  const tokens = scope.split(' ').filter(Boolean);
  if (tokens.length === 0 || !tokens.every((t) => SCOPE_TOKEN.test(t))) {
    r.problems.push(`CONSOLE_OIDC_SCOPE=${JSON.stringify(scope)} must be scopes separated by spaces`);
    return CONSOLE_DEFAULT_SCOPE;
  }
  if (!tokens.includes('openid')) {
    r.problems.push(`CONSOLE_OIDC_SCOPE=${JSON.stringify(scope)} must include openid (the console signs in with OIDC)`);
    return CONSOLE_DEFAULT_SCOPE;
  }
  return tokens.join(' ');
}

/**
 * CONSOLE_SERVICES: a JSON array of `{"name": "hub-eur", "url": "http://127.0.0.1:3104"}` (names unique, lower case;
 * URLs http(s) without credentials, query or fragment). Unset or empty: none. GET /console/operations sends the
 * caller's own bearer token to each one's /metrics, so a URL must be https:// — http:// only on loopback, or when the
 * console's environment is development (CONSOLE_ENVIRONMENT), as for CONSOLE_OIDC_AUTHORITY.
 */
export function parseConsoleServices(
  r: EnvReader,
  raw: string | undefined,
  environment: ConsoleConfig['environment'] = 'production',
): ConsoleService[] {
  if (raw === undefined || raw.trim() === '') return [];
  const problem = (why: string) => {
    r.problems.push(`CONSOLE_SERVICES ${why}; expected e.g. [{"name":"hub-eur","url":"http://127.0.0.1:3104"}]`);
    return [];
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return problem('is not JSON');
  }
  if (!Array.isArray(parsed)) return problem('must be a JSON array of {name, url}');
  if (parsed.length > CONSOLE_MAX_SERVICES) return problem(`lists more than ${CONSOLE_MAX_SERVICES} services`);
  const out: ConsoleService[] = [];
  for (const [i, entry] of parsed.entries()) {
    const e = entry as { name?: unknown; url?: unknown } | null;
    if (!e || typeof e !== 'object' || Array.isArray(e)) return problem(`[${i}] is not an object {name, url}`);
    const extra = Object.keys(e).filter((k) => k !== 'name' && k !== 'url');
    if (extra.length) return problem(`[${i}] has unknown field(s) ${extra.join(', ')}`);
    if (typeof e.name !== 'string' || !SERVICE_NAME.test(e.name))
      return problem(`[${i}].name must be a lower-case name (letters, digits, . _ -; at most 63)`);
    if (out.some((s) => s.name === e.name)) return problem(`[${i}].name ${JSON.stringify(e.name)} is listed twice`);
    let url: URL;
    try {
      if (typeof e.url !== 'string') throw new Error();
      url = new URL(e.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
      if (url.username || url.password || url.search || url.hash) throw new Error();
    } catch {
      return problem(`[${i}].url must be an http:// or https:// URL without credentials, query or fragment`);
    }
    if (url.protocol === 'http:' && environment !== 'development' && !isLoopback(url.href)) {
      return problem(
        `[${i}].url ${JSON.stringify(e.url)} must be https:// in production: the caller's token is sent to its /metrics (http:// only on loopback, or with CONSOLE_ENVIRONMENT=development)`,
      );
    }
    out.push({ name: e.name, url: url.href.replace(/\/+$/, '') });
  }
  return out;
}

export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
