import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { NATS_IDENTITIES, NatsIdentity, NatsUserEntry, renderAuthorization } from './nats-permissions';

/**
 * A deployment's NATS identities, as files in one folder:
 *
 *   authorization.conf   the users and their permissions (public keys only): the shipped configs include it
 *   tls.conf             the client-port TLS block (server certificate, CA, client certificates required)
 *   cluster-tls.conf     the same for cluster routes
 *   nkeys/<identity>.nk  each identity's nkey seed (secret, mode 0600): what a process proves itself with
 *   tls/                 a private CA, the server's certificate and one client certificate per identity
 *
 * Generating again keeps what exists (seeds, CA, certificates) and rewrites the configuration, so new permissions reach
 * a running server with a reload; `rotate` replaces the named identities' seed and certificate.
 */
export interface IdentitiesOptions {
  out: string;
  rotate?: NatsIdentity[];
  /** Where nats-server finds this folder (inside a container, e.g. /etc/nats/identities); default: `out` itself. */
  serverPath?: string;
  /** Host names and addresses the server certificate is valid for, besides localhost, 127.0.0.1, ::1 and `nats`. */
  hosts?: string[];
  /** Skip the TLS material (no openssl, or the site brings its own PKI). */
  tls?: boolean;
  /**
   * Secret files readable by any user (0644) inside a folder only its owner may enter (0700): compose mounts single
   * files into containers whose user (`node`) is not the host's owner, and file-based secrets keep the host's mode.
   */
  containerReadable?: boolean;
}

export interface IdentitiesResult {
  created: NatsIdentity[];
  kept: NatsIdentity[];
  rotated: NatsIdentity[];
  files: string[];
}

let SECRET = 0o600;

function write(path: string, content: string | Uint8Array, mode = 0o644): void {
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
}

export function seedPath(dir: string, identity: string): string {
  return join(dir, 'nkeys', `${identity}.nk`);
}

export function certPaths(dir: string, identity: string): { cert: string; key: string; ca: string } {
  return {
    cert: join(dir, 'tls', `${identity}.pem`),
    key: join(dir, 'tls', `${identity}.key`),
    ca: join(dir, 'tls', 'ca.pem'),
  };
}

/**
 * The environment a process needs to connect as `identity` with the files of `dir` (what `npm start`, the tests and
 * a compose file set): the seed, and the CA and client certificate when the folder has them.
 */
export function identityEnv(dir: string, identity: string): Record<string, string> {
  const env: Record<string, string> = { NATS_NKEY_SEED_FILE: seedPath(dir, identity) };
  const tls = certPaths(dir, identity);
  if (existsSync(tls.cert)) {
    env.NATS_TLS_CA_FILE = tls.ca;
    env.NATS_TLS_CERT_FILE = tls.cert;
    env.NATS_TLS_KEY_FILE = tls.key;
  }
  return env;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT')
      throw new Error('openssl is not installed: install it, or pass --no-tls and bring your own certificates');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? String(err)}`);
  }
}

function issue(dir: string, name: string, cn: string, extensions: string): void {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  write(ext, extensions);
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${cn}`,
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-set_serial',
    `0x1${randomBytes(15).toString('hex')}`,
    '-days',
    '825',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    join(dir, `${name}.pem`),
  ]);
  chmodSync(key, SECRET);
  rmSync(csr);
  rmSync(ext);
}

function ensureTls(dir: string, identities: readonly NatsIdentity[], renew: Set<string>, hosts: string[]): void {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'ca.pem'))) {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.pem'),
      '-days',
      '1825',
      '-subj',
      '/CN=CTP NATS CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    // Never needed by a process but this command: owner only, whatever the other keys' mode.
    chmodSync(join(dir, 'ca.key'), 0o600);
    renew.add('server');
    for (const i of identities) renew.add(i);
  }
  const san = [...new Set(['localhost', 'nats', '127.0.0.1', '::1', ...hosts])]
    .map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`))
    .join(',');
  if (renew.has('server') || !existsSync(join(dir, 'server.pem'))) {
    // Routes present the server certificate as a client too: both usages.
    issue(
      dir,
      'server',
      'ctp-nats',
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san}\n`,
    );
  }
  for (const identity of identities) {
    if (renew.has(identity) || !existsSync(join(dir, `${identity}.pem`))) {
      issue(
        dir,
        identity,
        identity,
        'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
      );
    }
  }
  for (const name of ['server', ...identities]) chmodSync(join(dir, `${name}.key`), SECRET);
}

function tlsBlock(base: string, timeout: number): string {
  return [
    'tls {',
    `  cert_file: ${JSON.stringify(join(base, 'tls', 'server.pem'))}`,
    `  key_file: ${JSON.stringify(join(base, 'tls', 'server.key'))}`,
    `  ca_file: ${JSON.stringify(join(base, 'tls', 'ca.pem'))}`,
    '  # Every client and route must present a certificate signed by this CA.',
    '  verify: true',
    `  timeout: ${timeout}`,
    '}',
    '',
  ].join('\n');
}

export function generateIdentities(options: IdentitiesOptions): IdentitiesResult {
  const out = resolve(options.out);
  const base = options.serverPath ?? out;
  const rotate = new Set<string>(options.rotate ?? []);
  SECRET = options.containerReadable ? 0o644 : 0o600;
  mkdirSync(join(out, 'nkeys'), { recursive: true, mode: 0o700 });
  chmodSync(out, 0o700);
  const result: IdentitiesResult = { created: [], kept: [], rotated: [], files: [] };
  const users: NatsUserEntry[] = [];
  for (const identity of NATS_IDENTITIES) {
    const path = seedPath(out, identity);
    let seed: string | undefined = existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
    if (seed) chmodSync(path, SECRET);
    if (!seed || rotate.has(identity)) {
      (seed ? result.rotated : result.created).push(identity);
      seed = new TextDecoder().decode(nkeys.createUser().getSeed());
      write(path, `${seed}\n`, SECRET);
    } else {
      result.kept.push(identity);
    }
    const pub = nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey();
    users.push({ identity, nkey: pub });
    result.files.push(path);
  }
  write(join(out, 'authorization.conf'), renderAuthorization(users));
  result.files.push(join(out, 'authorization.conf'));
  if (options.tls !== false) {
    ensureTls(join(out, 'tls'), NATS_IDENTITIES, rotate, options.hosts ?? []);
    write(
      join(out, 'tls.conf'),
      `# Generated by \`npm run nats:identities\`: TLS on the client port.\n${tlsBlock(base, 2)}`,
    );
    write(
      join(out, 'cluster-tls.conf'),
      `# Generated by \`npm run nats:identities\`: TLS between cluster nodes.\n${tlsBlock(base, 3)}`,
    );
    result.files.push(join(out, 'tls.conf'), join(out, 'cluster-tls.conf'));
  } else {
    // The configs include these files: empty ones mean "no TLS here" (the site's own PKI can be written into them).
    for (const f of ['tls.conf', 'cluster-tls.conf']) {
      if (!existsSync(join(out, f)))
        write(join(out, f), "# TLS not generated (--no-tls): put the site's tls { } block here.\n");
    }
  }
  return result;
}
