import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { EnvReader } from '@ctp/observability';

/** How partner-liaison protects partners' webhooks: the key that seals their secrets, rotation, allowed destinations. */
export interface WebhookSecurityConfig {
  /** AES-256-GCM key (32 bytes) that seals every partner's webhook secret at rest. */
  secretKey: Buffer;
  /** Where the key came from: WEBHOOK_SECRET_KEY, or the development key file (never in production). */
  secretKeySource: 'env' | 'development-file';
  /** The development key file, when that is the source. */
  secretKeyFile?: string;
  /** After a rotation, how long the previous secret still signs next to the new one. */
  secretGraceMs: number;
  /** `http://` webhook URLs (development and tests only; never with NODE_ENV=production). */
  allowHttp: boolean;
  /** Loopback, private, link-local and CGNAT destinations (tests on loopback only; never in production). */
  allowPrivateDestinations: boolean;
  /** One log line each, written at start (what is relaxed, and why). */
  startupNotes: string[];
}

export const WEBHOOK_SECURITY_CONFIG = Symbol('WEBHOOK_SECURITY_CONFIG');

const KEY_BYTES = 32;
const DAY_MS = 86_400_000;

/** Where the development key is kept: the project's git-ignored state folder. */
export function developmentKeyFile(root: string = projectRoot()): string {
  return join(root, '.ctp', 'webhook-secret-key');
}

/**
 * WEBHOOK_SECRET_KEY (32 bytes, base64; required when NODE_ENV=production), WEBHOOK_SECRET_GRACE_MS (default 24 h),
 * WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE_DESTINATIONS (default false; refused in production). Problems go to
 * `r.problems`, reported with every other one at once. Outside production, without WEBHOOK_SECRET_KEY, a key is
 * generated once into `.ctp/webhook-secret-key` (git-ignored) and reused; the start-up log says so.
 */
export function readWebhookSecurityConfig(
  r: EnvReader,
  env: NodeJS.ProcessEnv,
  options: { devKeyFile?: string } = {},
): WebhookSecurityConfig {
  const production = env.NODE_ENV === 'production';
  const notes: string[] = [];
  const allowHttp = flag(r, env, 'WEBHOOK_ALLOW_HTTP');
  const allowPrivateDestinations = flag(r, env, 'WEBHOOK_ALLOW_PRIVATE_DESTINATIONS');
  for (const [name, on] of [
    ['WEBHOOK_ALLOW_HTTP', allowHttp],
    ['WEBHOOK_ALLOW_PRIVATE_DESTINATIONS', allowPrivateDestinations],
  ] as const) {
    if (on && production)
      r.problems.push(`${name}=true is not allowed with NODE_ENV=production (development and tests only)`);
  }
  if (allowHttp || allowPrivateDestinations) {
    notes.push(
      `webhook destinations relaxed for development/tests:${allowHttp ? ' http:// allowed' : ''}${allowPrivateDestinations ? ' loopback/private addresses allowed' : ''}`,
    );
  }
  const secretGraceMs = r.int('WEBHOOK_SECRET_GRACE_MS', DAY_MS, 0, 30 * DAY_MS);

  let secretKey: Buffer = Buffer.alloc(0);
  let secretKeySource: WebhookSecurityConfig['secretKeySource'] = 'env';
  let secretKeyFile: string | undefined;
  const given = env.WEBHOOK_SECRET_KEY;
  if (given !== undefined && given !== '') {
    const key = decodeKey(given);
    if (typeof key === 'string') r.problems.push(`WEBHOOK_SECRET_KEY ${key}`);
    else secretKey = key;
  } else if (production) {
    r.problems.push(
      'WEBHOOK_SECRET_KEY is required with NODE_ENV=production: 32 random bytes in base64, e.g. `openssl rand -base64 32` (it encrypts the partners’ webhook secrets)',
    );
  } else {
    secretKeyFile = options.devKeyFile ?? developmentKeyFile();
    try {
      const key = decodeKey(ensureDevelopmentKey(secretKeyFile));
      if (typeof key === 'string') r.problems.push(`the development key in ${secretKeyFile} ${key}: delete the file`);
      else secretKey = key;
      secretKeySource = 'development-file';
      notes.push(
        `WEBHOOK_SECRET_KEY is not set: webhook secrets are encrypted with the development key ${displayPath(secretKeyFile)} (NODE_ENV is not production; set WEBHOOK_SECRET_KEY anywhere else)`,
      );
    } catch (err) {
      r.problems.push(
        `WEBHOOK_SECRET_KEY is not set and the development key ${secretKeyFile} could not be read or created (${(err as Error).message})`,
      );
    }
  }
  return {
    secretKey,
    secretKeySource,
    ...(secretKeyFile ? { secretKeyFile } : {}),
    secretGraceMs,
    allowHttp,
    allowPrivateDestinations,
    startupNotes: notes,
  };
}

/** The key, or what is wrong with it (never the value itself). */
export function decodeKey(value: string): Buffer | string {
  const v = value.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v) && !/^[A-Za-z0-9_-]+$/.test(v)) {
    return 'must be base64 (32 random bytes, e.g. `openssl rand -base64 32`)';
  }
  const key = Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
  if (key.length !== KEY_BYTES) {
    return `must decode to exactly ${KEY_BYTES} bytes (AES-256), not ${key.length}: use \`openssl rand -base64 32\``;
  }
  return key;
}

function flag(r: EnvReader, env: NodeJS.ProcessEnv, name: string): boolean {
  const v = env[name];
  if (v === undefined || v === '' || v === 'false') return false;
  if (v === 'true') return true;
  r.problems.push(`${name}=${JSON.stringify(v)} must be true or false`);
  return false;
}

/** The development key file's content, creating it (atomically: concurrent starts agree on one key) if missing. */
function ensureDevelopmentKey(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600 });
    try {
      linkSync(tmp, file); // fails if another process created it first: then its key is the one
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  return readFileSync(file, 'utf8');
}

/** The repository (or deployed application) root: the nearest folder above this file with a package.json. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}
