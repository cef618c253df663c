import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import {
  Authenticator,
  credsAuthenticator,
  nkeyAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/nats-core';
import { EnvReader } from '@ctp/observability';
import { inboxPrefixOf } from './nats-permissions';

/**
 * How a process proves who it is to NATS, from the environment. Without any of it the process connects anonymously,
 * which only a server without authentication accepts (a development machine); it then also provisions the streams and
 * consumers it needs, which a service identity may not do.
 */
export interface NatsCredentials {
  /** The identity the credentials are for (e.g. `hub-eur`): its replies arrive under `_INBOX.<identity>`. */
  identity: string;
  /** A file holding the identity's nkey seed (`SU…`), as written by `npm run nats:identities`. */
  seedFile?: string;
  /** A JWT `.creds` file (servers run in operator mode). */
  credsFile?: string;
  user?: string;
  password?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export const NATS_CREDENTIAL_VARIABLES = [
  'NATS_NKEY_SEED_FILE',
  'NATS_CREDS_FILE',
  'NATS_USER',
  'NATS_PASSWORD',
  'NATS_TLS_CA_FILE',
  'NATS_TLS_CERT_FILE',
  'NATS_TLS_KEY_FILE',
] as const;

function readableFile(r: EnvReader, name: string, env: NodeJS.ProcessEnv): string | undefined {
  const path = env[name];
  if (path === undefined || path === '') return undefined;
  try {
    accessSync(path, constants.R_OK);
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch {
    r.problems.push(`${name}=${JSON.stringify(path)} is not a readable file`);
  }
  return path;
}

/**
 * Reads NATS_NKEY_SEED_FILE | NATS_CREDS_FILE | NATS_USER + NATS_PASSWORD, and NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE,
 * NATS_TLS_KEY_FILE; every problem goes to the reader, so start-up names them all at once. Never echoes a secret.
 */
export function readNatsCredentials(r: EnvReader, identity: string, env: NodeJS.ProcessEnv): NatsCredentials {
  const out: NatsCredentials = { identity };
  out.seedFile = readableFile(r, 'NATS_NKEY_SEED_FILE', env);
  out.credsFile = readableFile(r, 'NATS_CREDS_FILE', env);
  out.user = env.NATS_USER || undefined;
  out.password = env.NATS_PASSWORD || undefined;
  const ways = [out.seedFile, out.credsFile, out.user].filter(Boolean).length;
  if (ways > 1) r.problems.push('set only one of NATS_NKEY_SEED_FILE, NATS_CREDS_FILE and NATS_USER');
  if (out.password && !out.user) r.problems.push('NATS_PASSWORD is set without NATS_USER');
  if (out.user && !out.password) r.problems.push('NATS_USER is set without NATS_PASSWORD');
  if (out.seedFile && !r.problems.some((p) => p.startsWith('NATS_NKEY_SEED_FILE'))) {
    const seed = readFileSync(out.seedFile, 'utf8').trim();
    if (!/^SU[A-Z2-7]{56}$/.test(seed)) {
      r.problems.push(`NATS_NKEY_SEED_FILE=${JSON.stringify(out.seedFile)} does not hold a user nkey seed (SU…)`);
    }
  }
  const caFile = readableFile(r, 'NATS_TLS_CA_FILE', env);
  const certFile = readableFile(r, 'NATS_TLS_CERT_FILE', env);
  const keyFile = readableFile(r, 'NATS_TLS_KEY_FILE', env);
  if (Boolean(certFile) !== Boolean(keyFile)) r.problems.push('NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together');
  if (caFile || certFile) out.tls = { caFile, certFile, keyFile };
  return out;
}

/** Whether the process proves an identity (otherwise it is anonymous: development only). */
export function hasIdentity(c: NatsCredentials | undefined): boolean {
  return Boolean(c && (c.seedFile || c.credsFile || c.user));
}

/** Connection options for nats.js: authenticator, TLS and the identity's own inbox prefix. */
export function natsConnectionSecurity(c: NatsCredentials | undefined): {
  authenticator?: Authenticator;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  inboxPrefix?: string;
} {
  if (!c) return {};
  const out: ReturnType<typeof natsConnectionSecurity> = {};
  if (c.seedFile)
    out.authenticator = nkeyAuthenticator(new TextEncoder().encode(readFileSync(c.seedFile, 'utf8').trim()));
  else if (c.credsFile) out.authenticator = credsAuthenticator(readFileSync(c.credsFile));
  else if (c.user) out.authenticator = usernamePasswordAuthenticator(c.user, c.password);
  if (c.tls) out.tls = c.tls;
  if (hasIdentity(c)) out.inboxPrefix = inboxPrefixOf(c.identity);
  return out;
}

/** A refused connection, said so an operator knows what to fix (never the secret itself). */
export function describeNatsFailure(err: unknown, c: NatsCredentials | undefined, url: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const how = c?.seedFile
    ? `the nkey in NATS_NKEY_SEED_FILE=${c.seedFile}`
    : c?.credsFile
      ? `NATS_CREDS_FILE=${c.credsFile}`
      : c?.user
        ? `NATS_USER=${c.user}`
        : 'no credentials (anonymous)';
  if (/authoriz|authenticat/i.test(message)) {
    return `NATS at ${url} refused ${c?.identity ?? 'this process'} with ${how}: ${message}. Check the identity's credentials (npm run nats:identities) and the server's authorization file.`;
  }
  if (/tls|certificate|handshake|ssl/i.test(message)) {
    return `TLS with NATS at ${url} failed for ${c?.identity ?? 'this process'}: ${message}. Check NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE.`;
  }
  return `cannot connect to NATS at ${url} as ${c?.identity ?? 'this process'} with ${how}: ${message}`;
}
