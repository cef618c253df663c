/**
 * `npm run preflight [-- --nats URL --postgres URL]`, and the first thing `npm start` does: are NATS and PostgreSQL
 * there, and usable? Each problem is one line that says which of these it is, and what to do on this machine:
 *
 * - nothing listening (or the host unknown, or no answer);
 * - the login refused (PostgreSQL SQLSTATE 28P01 / 28000, or a password it asks for and none was given — node-postgres
 *   says "client password must be a string"; NATS "Authorization Violation"), naming the variables to set;
 * - a version too old: PostgreSQL before 14, nats-server before 2.9;
 * - nats-server without JetStream (`$JS.API.INFO` has no responder): it would accept connections and fail later; the
 *   hint restarts that server only (its pid, from /proc, or Debian's service), never every nats-server of the machine.
 *
 * Minimum versions, from what the code uses: PostgreSQL 13 for gen_random_uuid() without an extension (partner-liaison's
 * migrations) and DROP DATABASE … WITH (FORCE) (platform:rebuild); 13 is out of community support since November 2025,
 * hence 14 (the tests and docker-compose run 15). nats-server 2.9 for the consumer-create API with a filter subject that
 * @nats-io/jetstream 3 uses, and one filter subject per consumer; nothing newer (deploy/nats/README.md; tested on
 * 2.9.10).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { Client } from 'pg';
import { NatsConnection } from '@nats-io/nats-core';
import { provisioningAdminUrl } from '@ctp/persistence';
import { adminNatsSettings, connectAdmin } from './admin-nats';
import { EXIT, exitCodesHelp, HELP_OPTION, main as runMain, parseCommandLine, PROCESS_IO, ToolIo } from './cli';

export const MINIMUM_VERSIONS = {
  /** server_version_num of PostgreSQL 14.0. */
  postgres: { num: 140000, text: '14' },
  nats: { version: [2, 9, 0], text: '2.9' },
} as const;

/** Where the hints come from: what is installed here. */
export interface Machine {
  /** /etc/debian_version exists: pg_ctlcluster, start-stop-daemon and apt-get are the tools. */
  debian: boolean;
  /** Debian's PostgreSQL clusters: the versions under /etc/postgresql (each with a `main` cluster, usually). */
  postgresVersions: string[];
  /** The nats-server on the PATH (or Debian's /usr/sbin/nats-server), if any. */
  natsServer?: string;
}

export function thisMachine(env: NodeJS.ProcessEnv = process.env): Machine {
  let postgresVersions: string[] = [];
  try {
    postgresVersions = readdirSync('/etc/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(a) - Number(b));
  } catch {
    // no Debian PostgreSQL here
  }
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'].filter(Boolean);
  const natsServer = dirs.map((d) => join(d, 'nats-server')).find((p) => existsSync(p) && statSync(p).isFile());
  return { debian: existsSync('/etc/debian_version'), postgresVersions, ...(natsServer ? { natsServer } : {}) };
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '']);

/** How to start PostgreSQL at host:port, on this machine. */
export function postgresStartHint(m: Machine, host: string, port: number): string {
  if (!LOCAL_HOSTS.has(host)) {
    return `check that PostgreSQL runs on ${host}:${port} and accepts connections from here, or set PGHOST/PGPORT (DATABASE_URL) to where it runs`;
  }
  if (m.postgresVersions.length) {
    const versions = m.postgresVersions.length === 1 ? m.postgresVersions[0] : '$(ls /etc/postgresql | tail -n1)';
    const elsewhere =
      port === 5432 ? '' : ` (or, if it runs on another port than ${port}, set PGPORT or DATABASE_URL to that)`;
    return `start it with: pg_ctlcluster --skip-systemctl-redirect ${versions} main start${elsewhere}`;
  }
  if (m.debian) {
    return 'install and start it: apt-get install postgresql && pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
  }
  return (
    `start PostgreSQL ${MINIMUM_VERSIONS.postgres.text} or later on ${host}:${port}: your system's service ` +
    `(systemctl start postgresql; brew services start postgresql@15), or ` +
    `docker run -d -p ${port}:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15`
  );
}

/** How to start nats-server with JetStream on the port of `url`, on this machine. */
export function natsStartHint(m: Machine, url: URL): string {
  const port = Number(url.port || 4222);
  const host = url.hostname;
  if (!LOCAL_HOSTS.has(host)) {
    return `check that nats-server ${MINIMUM_VERSIONS.nats.text} or later runs with JetStream on ${host}:${port} and accepts connections from here, or set NATS_URL`;
  }
  if (m.debian) {
    const bin = m.natsServer ?? '/usr/sbin/nats-server';
    // One pid file, store and log per port: start-stop-daemon then looks at that server only (with --exec alone it
    // would take any nats-server running here, on another port, for this one and start nothing).
    const name = port === 4222 ? 'nats-server' : `nats-server-${port}`;
    const store = `/var/lib/${name}`;
    const start =
      `start-stop-daemon --start --oknodo --background --make-pidfile --pidfile /run/${name}.pid --exec ${bin} -- ` +
      `-a 127.0.0.1 -p ${port} -js -sd ${store} -l /var/log/${name}.log`;
    return m.natsServer
      ? `start it with: mkdir -p ${store} && ${start}`
      : `install and start it: apt-get install nats-server && mkdir -p ${store} && ${start}`;
  }
  if (m.natsServer) return `start it with: ${m.natsServer} -a 127.0.0.1 -p ${port} -js -sd ./.ctp/nats &`;
  return (
    `start nats-server ${MINIMUM_VERSIONS.nats.text} or later with JetStream: nats-server -p ${port} -js ` +
    `(https://github.com/nats-io/nats-server/releases), or docker run -d -p ${port}:4222 nats:2.9 -js`
  );
}

/** The process listening on a TCP port of this machine: its pid and command line. */
export interface Listener {
  pid: number;
  argv: string[];
}

/**
 * Which process listens on TCP `port` here, from Linux's /proc (the socket's inode in /proc/net/tcp{,6}, then the
 * process holding it); undefined elsewhere, or when that process is another user's and cannot be read.
 */
export function listeningProcess(port: number, proc = '/proc'): Listener | undefined {
  const inodes = new Set<string>();
  for (const table of ['net/tcp', 'net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(join(proc, table), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A: LISTEN
      if (parseInt(f[1].split(':').pop() ?? '', 16) === port) inodes.add(f[9]);
    }
  }
  if (!inodes.size) return undefined;
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(join(proc, pid, 'fd'));
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(join(proc, pid, 'fd', fd));
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (!inode || !inodes.has(inode)) continue;
      try {
        const argv = readFileSync(join(proc, pid, 'cmdline'), 'utf8')
          .split('\0')
          .filter(Boolean);
        return { pid: Number(pid), argv };
      } catch {
        return { pid: Number(pid), argv: [] };
      }
    }
  }
  return undefined;
}

/** A command line as a POSIX shell reads it back. */
function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w./:=@,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Debian's nats-server service, as its unit starts it. */
const DEBIAN_SERVICE_ARGV = ['/usr/sbin/nats-server', '-c', '/etc/nats-server.conf'];

/**
 * How to restart, with JetStream, the nats-server without it that answers on the local `url`: that process only (by
 * its pid, or its Debian service), never every nats-server of the machine — tests and other copies run theirs beside it.
 */
export function natsRestartHint(m: Machine, url: URL, listener?: Listener): string {
  const port = Number(url.port || 4222);
  if (!LOCAL_HOSTS.has(url.hostname)) return natsStartHint(m, url);
  if (listener && listener.argv.length) {
    const argv = listener.argv;
    const at = argv.findIndex((a) => a === '-c' || a === '--config');
    const config = at >= 0 ? argv[at + 1] : undefined;
    const isService = argv.length === 3 && argv.every((a, i) => a === DEBIAN_SERVICE_ARGV[i]);
    const store = port === 4222 ? '/var/lib/nats-server' : `/var/lib/nats-server-${port}`;
    const hasStore = argv.includes('-sd') || argv.includes('--store_dir');
    if (isService) {
      return (
        `it is Debian's nats-server service (pid ${listener.pid}): add "jetstream { store_dir: ${store} }" to ` +
        `/etc/nats-server.conf, then systemctl restart nats-server`
      );
    }
    const again = shellLine([...argv, '-js', ...(hasStore || config ? [] : ['-sd', m.debian ? store : './.ctp/nats'])]);
    return (
      `it is process ${listener.pid} (${shellLine(argv)}): stop that one only (kill ${listener.pid}), then start it ` +
      `again with JetStream: ${again}` +
      (config ? ` (or add a jetstream {} block to ${config})` : '')
    );
  }
  const find = `ss -ltnp 'sport = :${port}'${m.debian ? '' : `, or lsof -iTCP:${port} -sTCP:LISTEN`}`;
  const service = m.debian
    ? `; Debian's service: add a jetstream {} block to /etc/nats-server.conf, then systemctl restart nats-server`
    : '';
  return `stop the nats-server on port ${port} only (its pid: ${find})${service}; then ${natsStartHint(m, url)}`;
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.connect(port, host);
  });
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

export type ProblemKind = 'unreachable' | 'login-refused' | 'too-old' | 'no-jetstream' | 'failed';

export interface Problem {
  kind: ProblemKind;
  message: string;
}

/** What a check found: a problem, or `ready` with what answered ("PostgreSQL 15.20 at 127.0.0.1:5432"). */
export interface Finding {
  kind: ProblemKind | 'ready';
  message: string;
}

function problems(found: Finding[]): Problem[] {
  return found.filter((f): f is Problem => f.kind !== 'ready');
}

/** The variables that choose PostgreSQL's login, as the tool that asks reads them. */
export const DEFAULT_POSTGRES_LOGIN_VARIABLES = 'PGUSER and PGPASSWORD (or DATABASE_URL)';

/** The variable that gives PostgreSQL's password, as the tool that asks reads it. */
export const DEFAULT_POSTGRES_PASSWORD_VARIABLE = 'PGPASSWORD (or the password in DATABASE_URL)';

/**
 * What node-postgres says when the server asks for a password and it has none (no password in the URL, no PGPASSWORD,
 * no ~/.pgpass entry), or an empty one: SCRAM refuses to start without it, before anything reaches the server.
 */
const NO_PASSWORD = /client password must be a (non-empty )?string|^password must be a string/i;

/** Options of the PostgreSQL checks: how the caller's tool names its login settings, and where it reads them. */
export interface PostgresLoginOptions {
  /** The variables that choose the role and password ("PGUSER and PGPASSWORD (or DATABASE_URL)"). */
  loginVariables?: string;
  /** The one that gives the password ("PGPASSWORD (or the password in DATABASE_URL)"). */
  passwordVariable?: string;
  /** The environment node-postgres reads PGPASSWORD from (default process.env). */
  env?: NodeJS.ProcessEnv;
  machine?: Machine;
}

/**
 * What a failed connection to PostgreSQL means, in one line with what to do: nothing listening, the host unknown, the
 * login refused (28P01 wrong password or no such role; 28000 no pg_hba.conf entry or a rejecting one; a password the
 * server asks for and none was given), no database.
 */
export function describePostgresFailure(err: unknown, url: string, options: PostgresLoginOptions = {}): Problem {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 5432);
  const where = `${host}:${port}`;
  const user = decodeURIComponent(u.username) || 'postgres';
  const e = err as { code?: string; message?: string; errors?: { code?: string; message?: string }[] };
  // Every address refused (localhost: ::1 and 127.0.0.1) comes as an AggregateError without a code of its own.
  const code = e.code ?? e.errors?.find((x) => x.code)?.code;
  const message = [e.message, ...(e.errors ?? []).map((x) => x.message)].filter(Boolean).join('; ') || String(err);
  const machine = options.machine ?? thisMachine();
  const passwordVariable = options.passwordVariable ?? DEFAULT_POSTGRES_PASSWORD_VARIABLE;
  const passwordGiven = u.password !== '' || Boolean((options.env ?? process.env).PGPASSWORD);
  if (NO_PASSWORD.test(message)) {
    return {
      kind: 'login-refused',
      message:
        `PostgreSQL at ${where} refused the login of "${user}": it asks for a password and none was given ` +
        `(${message}): set ${passwordVariable}`,
    };
  }
  if (code === '28P01' && !passwordGiven) {
    return {
      kind: 'login-refused',
      message:
        `PostgreSQL at ${where} refused the login of "${user}" (28P01: ${message}): no password was given: ` +
        `set ${passwordVariable}`,
    };
  }
  if (code === '28P01' || code === '28000') {
    const hba =
      code === '28000' && /pg_hba/.test(message)
        ? `; or allow this client in pg_hba.conf (e.g. host all all 127.0.0.1/32 scram-sha-256), then reload PostgreSQL`
        : '';
    return {
      kind: 'login-refused',
      message:
        `PostgreSQL at ${where} refused the login of "${user}" (${code}: ${message}): set ` +
        `${options.loginVariables ?? DEFAULT_POSTGRES_LOGIN_VARIABLES} to a role and password it accepts${hba}`,
    };
  }
  if (code === '3D000') {
    return {
      kind: 'failed',
      message: `PostgreSQL at ${where} has no database ${JSON.stringify(decodeURIComponent(u.pathname.slice(1)))} (${message})`,
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      kind: 'unreachable',
      message: `PostgreSQL host ${JSON.stringify(host)} is not known here (${code}): set PGHOST (or DATABASE_URL)`,
    };
  }
  if ((code && UNREACHABLE_CODES.has(code)) || /timeout|terminated/i.test(message)) {
    const what = code === 'ECONNREFUSED' ? 'nothing is listening for PostgreSQL on' : 'PostgreSQL does not answer on';
    return {
      kind: 'unreachable',
      message: `${what} ${where} (${message}); ${postgresStartHint(machine, host, port)}`,
    };
  }
  return { kind: 'failed', message: `PostgreSQL at ${where}: ${message}` };
}

/** The text before the first space of a server_version ("15.20 (Debian 15.20-0+deb12u1)" → "15.20"). */
function shortVersion(v: string): string {
  return v.split(' ')[0];
}

export function postgresVersionProblem(versionNum: number, version: string, where: string): Problem | undefined {
  if (versionNum >= MINIMUM_VERSIONS.postgres.num) return undefined;
  return {
    kind: 'too-old',
    message:
      `PostgreSQL at ${where} is ${shortVersion(version)}: this system needs PostgreSQL ` +
      `${MINIMUM_VERSIONS.postgres.text} or later (Debian 12: apt-get install postgresql, which is 15; ` +
      `elsewhere https://www.postgresql.org/download/)`,
  };
}

/** PostgreSQL at `url`: reachable, logged in, recent enough. */
export async function checkPostgres(url: string, options: PostgresLoginOptions = {}): Promise<Finding> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => undefined);
    return describePostgresFailure(err, url, options);
  }
  try {
    const { rows } = await c.query<{ num: string; version: string }>(
      `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`,
    );
    const u = new URL(url);
    const where = `${u.hostname}:${u.port || 5432}`;
    return (
      postgresVersionProblem(Number(rows[0].num), rows[0].version, where) ?? {
        kind: 'ready',
        message: `PostgreSQL ${shortVersion(rows[0].version)} at ${where}`,
      }
    );
  } catch (err) {
    return describePostgresFailure(err, url, options);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** "2.9.10" (or "v2.10.0-beta.1") is at least `min`. */
export function versionAtLeast(version: string, min: readonly number[]): boolean {
  const parts = version.replace(/^v/, '').split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < min.length; i++) {
    const p = Number.isFinite(parts[i]) ? parts[i] : 0;
    if (p !== min[i]) return p > min[i];
  }
  return true;
}

export function natsVersionProblem(version: string | undefined, url: string): Problem | undefined {
  if (!version || versionAtLeast(version, MINIMUM_VERSIONS.nats.version)) return undefined;
  return {
    kind: 'too-old',
    message:
      `nats-server at ${url} is ${version}: this system needs nats-server ${MINIMUM_VERSIONS.nats.text} or later ` +
      `(Debian 12: apt-get install nats-server, which is 2.9.10; elsewhere https://github.com/nats-io/nats-server/releases)`,
  };
}

/** What `$JS.API.INFO` answered (or how it failed) means; undefined when JetStream is there. */
export function jetStreamProblem(
  answer: { error?: unknown; reply?: unknown },
  url: URL,
  m: Machine,
  listener?: Listener,
): Problem | undefined {
  const where = url.toString().replace(/\/$/, '');
  const restart = natsRestartHint(m, url, listener);
  if (answer.error !== undefined) {
    const err = answer.error as Error & { isNoResponders?: () => boolean; cause?: unknown };
    const noResponders =
      err.isNoResponders?.() === true || (err.cause as Error | undefined)?.name === 'NoRespondersError';
    if (noResponders) {
      return {
        kind: 'no-jetstream',
        message: `JetStream is not enabled on ${where}: start nats-server with -js (or a jetstream {} block in its configuration); ${restart}`,
      };
    }
    // A server whose permissions do not let this identity ask: it is not this check's business.
    if (/permission/i.test(err.message ?? '')) return undefined;
    return { kind: 'failed', message: `JetStream on ${where} did not answer $JS.API.INFO: ${err.message}` };
  }
  const reply = answer.reply as { error?: { code?: number; description?: string } } | undefined;
  if (reply?.error) {
    return {
      kind: 'no-jetstream',
      message:
        `JetStream is not enabled for this account on ${where} (${reply.error.code}: ${reply.error.description}): ` +
        'enable it for the account in the server configuration (jetstream: enabled)',
    };
  }
  return undefined;
}

/** NATS at `natsUrl` (comma-separated servers): something listening, the login accepted, recent enough, JetStream. */
export async function checkNats(
  natsUrl: string,
  options: { env?: NodeJS.ProcessEnv; machine?: Machine } = {},
): Promise<Finding> {
  const env = { ...(options.env ?? process.env), NATS_URL: natsUrl };
  const machine = options.machine ?? thisMachine(env);
  let servers: URL[];
  try {
    servers = natsUrl.split(',').map((s) => new URL(s.trim()));
  } catch {
    return { kind: 'failed', message: `NATS_URL=${JSON.stringify(natsUrl)} is not a URL (nats://host:4222)` };
  }
  const up = await Promise.all(servers.map((u) => tcpReachable(u.hostname, Number(u.port || 4222), 2000)));
  if (!up.some(Boolean)) {
    return {
      kind: 'unreachable',
      message: `nothing is listening for NATS at ${natsUrl}; ${natsStartHint(machine, servers[0])}`,
    };
  }
  const server = servers[up.indexOf(true)];
  let nc: NatsConnection;
  try {
    nc = await connectAdmin('ctp-preflight', env);
  } catch (err) {
    const message = (err as Error).message;
    const cause = (err as Error).cause as Error | undefined;
    if (/authoriz|authenticat/i.test(`${message} ${cause?.message ?? ''}`) || cause?.name === 'AuthorizationError') {
      const { credentials } = adminNatsSettings(env);
      const given = credentials.seedFile || credentials.credsFile || credentials.user;
      return {
        kind: 'login-refused',
        message:
          `NATS at ${natsUrl} refused the login (${cause?.message ?? message}): ` +
          (given
            ? 'check the admin credentials in NATS_NKEY_SEED_FILE / NATS_CREDS_FILE / NATS_USER and NATS_PASSWORD against the server'
            : 'set NATS_IDENTITIES_DIR to the output of npm run nats:identities (or NATS_NKEY_SEED_FILE, NATS_CREDS_FILE, or NATS_USER and NATS_PASSWORD of the admin identity)'),
      };
    }
    return { kind: 'failed', message };
  }
  try {
    const tooOld = natsVersionProblem(nc.info?.version, natsUrl);
    if (tooOld) return tooOld;
    let answer: { reply?: unknown; error?: unknown };
    try {
      answer = { reply: (await nc.request('$JS.API.INFO', '', { timeout: 3000 })).json() };
    } catch (error) {
      answer = { error };
    }
    const problem = jetStreamProblem(answer, server, machine);
    if (problem?.kind === 'no-jetstream' && LOCAL_HOSTS.has(server.hostname)) {
      // Which process to restart, by its pid: only looked for when it is needed (it reads /proc).
      return jetStreamProblem(answer, server, machine, listeningProcess(Number(server.port || 4222))) ?? problem;
    }
    return (
      problem ?? {
        kind: 'ready',
        message: `nats-server ${nc.info?.version ?? '(version unknown)'} with JetStream at ${natsUrl}`,
      }
    );
  } finally {
    await nc.close().catch(() => undefined);
  }
}

/** One line per problem with NATS or PostgreSQL, saying what it is and what to do; empty when both are fine. */
export async function preflight(
  natsUrl: string,
  postgresUrl: string,
  options: { env?: NodeJS.ProcessEnv; loginVariables?: string; passwordVariable?: string; machine?: Machine } = {},
): Promise<string[]> {
  const machine = options.machine ?? thisMachine(options.env);
  const found = await Promise.all([
    checkNats(natsUrl, { env: options.env, machine }),
    checkPostgres(postgresUrl, {
      loginVariables: options.loginVariables,
      passwordVariable: options.passwordVariable,
      env: options.env,
      machine,
    }),
  ]);
  return problems(found).map((p) => p.message);
}

/** The ports among `ports` that something already listens on (another copy of the system, most likely). */
export async function busyPorts(ports: number[]): Promise<number[]> {
  const busy = await Promise.all(ports.map((p) => tcpReachable('127.0.0.1', p, 500)));
  return ports.filter((_, i) => busy[i]);
}

export const USAGE = `Usage: npm run preflight [-- --nats <url> --postgres <url>]

Checks that NATS and PostgreSQL are there and usable, as npm start does first: something listens, the login is
accepted, the versions are recent enough (PostgreSQL ${MINIMUM_VERSIONS.postgres.text} or later, nats-server ${MINIMUM_VERSIONS.nats.text} or later) and
JetStream is enabled. Prints one line per problem with what to do on this machine; nothing else changes.

  --nats <url>       NATS (default NATS_URL, else nats://127.0.0.1:4222); logs in as admin (NATS_IDENTITIES_DIR,
                     NATS_NKEY_SEED_FILE, … as npm run nats:provision)
  --postgres <url>   PostgreSQL (default PGADMIN_URL, else PGHOST, PGPORT, PGUSER, PGPASSWORD; database postgres)
  -h, --help         this text

Examples:
  npm run preflight
  npm run preflight -- --nats nats://10.0.0.5:4222 --postgres postgres://ops@db.internal:5432/postgres

${exitCodesHelp('a check failed for another reason (a version too old, JetStream not enabled)')}`;

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: ToolIo = PROCESS_IO,
): Promise<number> {
  const { values } = parseCommandLine(argv, {
    options: { nats: { type: 'string' }, postgres: { type: 'string' }, ...HELP_OPTION },
  });
  const natsUrl = values.nats ?? (env.NATS_URL || 'nats://127.0.0.1:4222');
  const postgresUrl = values.postgres ?? provisioningAdminUrl(env);
  const machine = thisMachine(env);
  const found = await Promise.all([
    checkNats(natsUrl, { env, machine }),
    checkPostgres(postgresUrl, {
      machine,
      env,
      loginVariables: values.postgres
        ? 'the user and password in --postgres'
        : 'PGUSER and PGPASSWORD (or PGADMIN_URL)',
      passwordVariable: values.postgres
        ? 'the password in --postgres (postgres://user:password@host:port/postgres)'
        : 'PGPASSWORD (or the password in PGADMIN_URL)',
    }),
  ]);
  for (const f of found) {
    if (f.kind === 'ready') io.stdout(`preflight: ready: ${f.message}\n`);
    else io.stderr(`preflight: ${f.message}\n`);
  }
  const wrong = problems(found);
  if (!wrong.length) return EXIT.ok;
  return wrong.some((p) => p.kind === 'unreachable' || p.kind === 'login-refused') ? EXIT.unreachable : EXIT.failed;
}

if (require.main === module) runMain('preflight', USAGE, (argv) => run(argv));
