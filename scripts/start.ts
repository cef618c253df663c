/**
 * `npm start`: the whole system on this machine — four hubs, the platform and partner-liaison — with one prefixed,
 * readable log stream. Checks NATS and PostgreSQL first and says how to start them if they are down.
 * LOG_FORMAT=json prints the services' raw JSON lines instead (still prefixed).
 *
 * Without AUTH_ISSUER in the environment it runs the development issuer (`npm run token`'s) and, for the analysts'
 * console, the development OpenID Connect provider (scripts/dev-oidc.ts, 127.0.0.1:3999 or DEV_OIDC_PORT), and gives
 * the platform CONSOLE_OIDC_AUTHORITY, CONSOLE_OIDC_CLIENT_ID and CONSOLE_SERVICES to match. With AUTH_ISSUER (a real
 * provider) it starts neither: the operator sets CONSOLE_* too.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { identityEnv } from '@ctp/messaging';
import { describeStep, provisionServiceDatabases, rolePasswordsFromEnv, serviceDatabaseUrl } from '@ctp/persistence';
import { humanLogLine } from './log-format';
import { provisionFromEnv } from './nats-provision';
import { DEV_ISSUER_DIR } from './token';
import { devIssuerEnv, ensureDevIssuer } from '@ctp/auth';
import { busyPorts, preflight } from './preflight';
import { DEV_OIDC_CLIENT_ID, DevOidcServer, devOidcPort, devOidcRedirects, startDevOidc } from './dev-oidc';

interface ServiceSpec {
  name: string;
  database: string;
  entry: string;
  env: Record<string, string>;
  port: number;
}

const ROOT = join(__dirname, '../..');
const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
/** Output of `npm run nats:identities`: each service then connects as itself, and provisioning runs as admin. */
const IDENTITIES = process.env.NATS_IDENTITIES_DIR ? resolve(process.env.NATS_IDENTITIES_DIR) : undefined;

function adminPostgresUrl(): string {
  const u = new URL('postgres://127.0.0.1:5432/postgres');
  if (process.env.PGHOST && !process.env.PGHOST.startsWith('/')) u.hostname = process.env.PGHOST;
  if (process.env.PGPORT) u.port = process.env.PGPORT;
  u.username = encodeURIComponent(process.env.PGUSER || 'postgres');
  if (process.env.PGPASSWORD) u.password = encodeURIComponent(process.env.PGPASSWORD);
  return u.toString();
}

const SERVICES: ServiceSpec[] = [
  ...(['afr', 'mde', 'asi', 'eur'] as const).map((region, i) => ({
    name: `hub-${region}`,
    entry: 'dist/apps/hub/src/main.js',
    database: `ctp_hub_${region}`,
    env: { HUB_REGION: region, PORT: String(3101 + i) },
    port: 3101 + i,
  })),
  {
    name: 'platform',
    database: 'ctp_platform',
    entry: 'dist/apps/platform/src/main.js',
    env: { PORT: '3000' },
    port: 3000,
  },
  {
    name: 'partner-liaison',
    database: 'ctp_partner_liaison',
    entry: 'dist/apps/partner-liaison/src/main.js',
    env: { PORT: '3200' },
    port: 3200,
  },
];

let authEnv: Record<string, string> = {};
/** The development issuer and sign-in provider: only when the caller brings no issuer of its own. */
const DEV_AUTH = !process.env.AUTH_ISSUER;
let devOidc: DevOidcServer | undefined;
/** The platform's console settings under the development provider (a caller's own CONSOLE_* values win). */
let consoleEnv: Record<string, string> = {};

const width = Math.max(...SERVICES.map((s) => s.name.length));
const json = process.env.LOG_FORMAT === 'json';
const children = new Map<string, ChildProcess>();
let stopping = false;

function say(name: string, line: string): void {
  process.stdout.write(`${name.padEnd(width)} | ${json ? line : humanLogLine(line)}\n`);
}

function startService(s: ServiceSpec): void {
  // Each service gets NATS_URL and its own database role (made by db:provision), never the administrator's.
  const env: NodeJS.ProcessEnv = { ...process.env, ...s.env, NATS_URL };
  for (const k of ['PGUSER', 'PGPASSWORD', 'PGADMIN_URL']) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith('CTP_DB_PASSWORD_')) delete env[k];
  env.DATABASE_URL = serviceDatabaseUrl(s.database, process.env);
  // Only its own identity: never the admin's, nor anything left in the caller's environment.
  delete env.NATS_IDENTITIES_DIR;
  if (IDENTITIES) Object.assign(env, identityEnv(IDENTITIES, s.name));
  // Tokens: the caller's issuer if it names one (AUTH_*), otherwise the development issuer.
  if (!env.AUTH_ISSUER) Object.assign(env, authEnv);
  if (s.name === 'platform') for (const [k, v] of Object.entries(consoleEnv)) env[k] ??= v;
  const child = spawn(process.execPath, [join(ROOT, s.entry)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(s.name, child);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => say(s.name, line));
  }
  child.on('exit', (code, signal) => {
    children.delete(s.name);
    if (stopping) return;
    say('start', `${s.name} exited (${signal ?? code}); stopping the others`);
    void shutdown(1);
  });
}

async function waitReady(s: ServiceSpec, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      if ((await fetch(`http://127.0.0.1:${s.port}/health/ready`)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const exits = [...children.values()].map(
    (c) => new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : c.once('exit', () => resolve()))),
  );
  for (const c of children.values()) c.kill('SIGTERM');
  const closing = devOidc?.close();
  const timer = setTimeout(() => {
    for (const c of children.values()) c.kill('SIGKILL');
  }, 10_000);
  await Promise.all([...exits, closing]);
  clearTimeout(timer);
  process.exit(code);
}

async function main(): Promise<void> {
  // As the administrator that provisions next: NATS as admin (NATS_IDENTITIES_DIR), PostgreSQL as PGUSER.
  const problems = await preflight(NATS_URL, adminPostgresUrl(), {
    env: { ...process.env, ...(IDENTITIES ? { NATS_IDENTITIES_DIR: IDENTITIES } : {}) },
    loginVariables: 'PGUSER and PGPASSWORD',
  });
  let oidcPort = 0;
  let oidcRedirects: string[] = [];
  if (DEV_AUTH) {
    try {
      oidcPort = devOidcPort(process.env);
      oidcRedirects = devOidcRedirects(process.env);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const busy = await busyPorts([...SERVICES.map((s) => s.port), ...(oidcPort ? [oidcPort] : [])]);
  if (busy.length) {
    problems.push(
      `port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} already in use: is the system already running?`,
    );
  }
  if (problems.length) {
    for (const p of problems) process.stderr.write(`cannot start: ${p}\n`);
    process.exit(1);
  }
  try {
    // Roles and databases, streams and consumers are made by the administrator, never by a service.
    const steps = await provisionServiceDatabases(adminPostgresUrl(), { passwords: rolePasswordsFromEnv() });
    const changed = steps.filter((x) => x.created || x.changes.length > 0);
    say('start', `PostgreSQL: one role per service owning its database${changed.length ? ':' : ', already in place'}`);
    for (const x of changed) say('start', `  ${describeStep(x)}`);
    for (const line of await provisionFromEnv({
      ...process.env,
      NATS_URL,
      ...(IDENTITIES ? { NATS_IDENTITIES_DIR: IDENTITIES } : {}),
    }))
      say('start', `NATS ${line}: ok`);
  } catch (err) {
    process.stderr.write(`cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (DEV_AUTH) {
    const devIssuer = await ensureDevIssuer(DEV_ISSUER_DIR);
    authEnv = devIssuerEnv(devIssuer);
    try {
      devOidc = await startDevOidc({
        development: true,
        devIssuer,
        port: oidcPort,
        redirects: oidcRedirects,
        log: (line) => say('dev-oidc', line),
      });
    } catch (err) {
      process.stderr.write(`cannot start: the development OIDC provider: ${(err as Error).message}\n`);
      process.exit(1);
    }
    consoleEnv = {
      CONSOLE_OIDC_AUTHORITY: devOidc.issuer,
      CONSOLE_OIDC_CLIENT_ID: DEV_OIDC_CLIENT_ID,
      CONSOLE_SERVICES: JSON.stringify(
        SERVICES.filter((s) => s.name !== 'platform').map((s) => ({ name: s.name, url: `http://127.0.0.1:${s.port}` })),
      ),
    };
  }
  say(
    'start',
    IDENTITIES
      ? `NATS: each service connects as its own identity (${IDENTITIES})`
      : 'NATS: anonymous, for a development server without authentication (see README: secured NATS)',
  );
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  for (const s of SERVICES) startService(s);
  const ready = await Promise.all(SERVICES.map((s) => waitReady(s, 60_000)));
  if (stopping) return;
  const late = SERVICES.filter((_, i) => !ready[i]).map((s) => s.name);
  if (late.length) {
    say('start', `not ready after 60 s: ${late.join(', ')}; see their lines above`);
    return;
  }
  say('start', 'all services ready:');
  for (const s of SERVICES) say('start', `  ${s.name.padEnd(width)} http://127.0.0.1:${s.port}  (docs: /docs)`);
  say(
    'start',
    'Every route but /health needs a bearer token. A development one, e.g. for the eur hub and for analysts:',
  );
  say('start', '  TOKEN=$(npm run -s token -- --org IP-HUB-EUR --scope "initiatives:write initiatives:read")');
  say('start', '  TOKEN=$(npm run -s token -- --org IP-GS-CTP --scope "registry:read-restricted overlaps:decide")');
  say('start', '  curl -H "Authorization: Bearer $TOKEN" …   (npm run token -- --help lists organisations and scopes)');
  if (DEV_AUTH) say('start', 'Console: http://127.0.0.1:3000/console (sign in with the development provider)');
  else if (process.env.CONSOLE_OIDC_AUTHORITY) {
    say('start', `Console: http://127.0.0.1:3000/console (sign in with ${process.env.CONSOLE_OIDC_AUTHORITY})`);
  }
  say('start', 'Ctrl-C stops everything.');
}

main().catch((err) => {
  process.stderr.write(`cannot start: ${(err as Error).message}\n`);
  process.exit(1);
});
