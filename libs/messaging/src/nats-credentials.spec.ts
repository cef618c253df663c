import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { EnvReader } from '@ctp/observability';
import {
  describeNatsFailure,
  hasIdentity,
  NATS_CREDENTIAL_VARIABLES,
  NatsCredentials,
  natsConnectionSecurity,
  readNatsCredentials,
} from './nats-credentials';

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

describe('NATS credentials from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctp-nats-credentials-'));
  const userSeed = decode(nkeys.createUser().getSeed());
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  const seedFile = file('hub-eur.nk', `${userSeed}\n`);
  const accountSeedFile = file('account.nk', `${decode(nkeys.createAccount().getSeed())}\n`);
  const publicKeyFile = file('public.nk', `${nkeys.fromSeed(new TextEncoder().encode(userSeed)).getPublicKey()}\n`);
  const garbageFile = file('garbage.nk', 'not a seed at all\n');
  const truncatedSeedFile = file('short.nk', `${userSeed.slice(0, 20)}\n`);
  const credsFile = file('hub-eur.creds', 'creds');
  const ca = file('ca.pem', 'ca');
  const cert = file('hub-eur.pem', 'cert');
  const key = file('hub-eur.key', 'key');
  const missing = join(dir, 'does-not-exist.nk');

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function read(env: Record<string, string | undefined>, identity = 'hub-eur') {
    const r = new EnvReader(env);
    const credentials = readNatsCredentials(r, identity, env);
    return { credentials, problems: r.problems };
  }

  it('names every variable it reads', () => {
    expect([...NATS_CREDENTIAL_VARIABLES].sort()).toEqual(
      [
        'NATS_CREDS_FILE',
        'NATS_NKEY_SEED_FILE',
        'NATS_PASSWORD',
        'NATS_TLS_CA_FILE',
        'NATS_TLS_CERT_FILE',
        'NATS_TLS_KEY_FILE',
        'NATS_USER',
      ].sort(),
    );
  });

  describe('accepted', () => {
    it('nothing at all: anonymous, no problems', () => {
      const { credentials, problems } = read({});
      expect(problems).toEqual([]);
      expect(credentials).toEqual({ identity: 'hub-eur' });
      expect(hasIdentity(credentials)).toBe(false);
      expect(natsConnectionSecurity(credentials)).toEqual({});
      expect(natsConnectionSecurity(undefined)).toEqual({});
    });

    it('a user seed file with CA and client certificate', () => {
      const { credentials, problems } = read({
        NATS_NKEY_SEED_FILE: seedFile,
        NATS_TLS_CA_FILE: ca,
        NATS_TLS_CERT_FILE: cert,
        NATS_TLS_KEY_FILE: key,
      });
      expect(problems).toEqual([]);
      expect(credentials).toEqual({
        identity: 'hub-eur',
        seedFile,
        credsFile: undefined,
        user: undefined,
        password: undefined,
        tls: { caFile: ca, certFile: cert, keyFile: key },
      });
      expect(hasIdentity(credentials)).toBe(true);
      const security = natsConnectionSecurity(credentials);
      expect(typeof security.authenticator).toBe('function');
      expect(security.tls).toEqual({ caFile: ca, certFile: cert, keyFile: key });
      expect(security.inboxPrefix).toBe('_INBOX.hub-eur');
    });

    it('the CA alone (server verification, no client certificate)', () => {
      const { credentials, problems } = read({ NATS_NKEY_SEED_FILE: seedFile, NATS_TLS_CA_FILE: ca });
      expect(problems).toEqual([]);
      expect(credentials.tls).toEqual({ caFile: ca, certFile: undefined, keyFile: undefined });
    });

    it('user and password', () => {
      const { credentials, problems } = read({ NATS_USER: 'platform', NATS_PASSWORD: 's3cret' }, 'platform');
      expect(problems).toEqual([]);
      expect(credentials.user).toBe('platform');
      const security = natsConnectionSecurity(credentials);
      expect(typeof security.authenticator).toBe('function');
      expect(security.inboxPrefix).toBe('_INBOX.platform');
      expect(security.tls).toBeUndefined();
    });

    it('a creds file', () => {
      const { credentials, problems } = read({ NATS_CREDS_FILE: credsFile });
      expect(problems).toEqual([]);
      expect(credentials.credsFile).toBe(credsFile);
      expect(hasIdentity(credentials)).toBe(true);
    });

    it('empty values count as unset', () => {
      const { credentials, problems } = read({ NATS_NKEY_SEED_FILE: '', NATS_USER: '', NATS_TLS_CA_FILE: '' });
      expect(problems).toEqual([]);
      expect(hasIdentity(credentials)).toBe(false);
    });
  });

  describe('refused, each problem named', () => {
    it.each([
      ['NATS_NKEY_SEED_FILE', { NATS_NKEY_SEED_FILE: missing }],
      ['NATS_CREDS_FILE', { NATS_CREDS_FILE: missing }],
      ['NATS_TLS_CA_FILE', { NATS_TLS_CA_FILE: missing }],
      ['NATS_TLS_CERT_FILE', { NATS_TLS_CERT_FILE: missing, NATS_TLS_KEY_FILE: key }],
      ['NATS_TLS_KEY_FILE', { NATS_TLS_CERT_FILE: cert, NATS_TLS_KEY_FILE: missing }],
    ])('an unreadable %s', (name, env) => {
      const { problems } = read(env);
      expect(problems).toEqual([`${name}=${JSON.stringify(missing)} is not a readable file`]);
    });

    it.each([
      ['seed and user', { NATS_NKEY_SEED_FILE: seedFile, NATS_USER: 'u', NATS_PASSWORD: 'p' }],
      ['seed and creds', { NATS_NKEY_SEED_FILE: seedFile, NATS_CREDS_FILE: credsFile }],
      ['creds and user', { NATS_CREDS_FILE: credsFile, NATS_USER: 'u', NATS_PASSWORD: 'p' }],
    ])('two ways at once: %s', (_label, env) => {
      expect(read(env).problems).toEqual(['set only one of NATS_NKEY_SEED_FILE, NATS_CREDS_FILE and NATS_USER']);
    });

    it('a user without a password', () => {
      expect(read({ NATS_USER: 'u' }).problems).toEqual(['NATS_USER is set without NATS_PASSWORD']);
    });

    it('a password without a user', () => {
      expect(read({ NATS_PASSWORD: 'p' }).problems).toEqual(['NATS_PASSWORD is set without NATS_USER']);
    });

    it.each([
      ['a certificate without its key', { NATS_TLS_CERT_FILE: cert }],
      ['a key without its certificate', { NATS_TLS_KEY_FILE: key }],
    ])('%s', (_label, env) => {
      expect(read(env).problems).toEqual(['NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together']);
    });

    it.each([
      ['an account seed (SA…)', accountSeedFile],
      ['a public key (U…)', publicKeyFile],
      ['text', garbageFile],
      ['a truncated user seed', truncatedSeedFile],
    ])('a seed file holding %s', (_label, path) => {
      const { problems } = read({ NATS_NKEY_SEED_FILE: path });
      expect(problems).toEqual([`NATS_NKEY_SEED_FILE=${JSON.stringify(path)} does not hold a user nkey seed (SU…)`]);
    });

    it('names all problems at once, and none of them echoes a secret', () => {
      const env = {
        NATS_NKEY_SEED_FILE: seedFile,
        NATS_USER: 'u',
        NATS_TLS_CERT_FILE: cert,
        NATS_TLS_CA_FILE: missing,
      };
      const { problems } = read(env);
      expect(problems).toHaveLength(4);
      expect(() => {
        const r = new EnvReader(env);
        readNatsCredentials(r, 'hub-eur', env);
        r.done('hub');
      }).toThrow(/hub: invalid configuration/);
      const pw = read({ NATS_USER: 'u', NATS_PASSWORD: 'hunter2-secret', NATS_CREDS_FILE: credsFile }).problems;
      expect(pw.join('\n')).not.toContain('hunter2-secret');
      expect(problems.join('\n')).not.toContain(userSeed);
    });
  });

  describe('describeNatsFailure', () => {
    const withSeed: NatsCredentials = { identity: 'hub-eur', seedFile };
    const url = 'nats://nats:4222';

    it('an authorization failure names the identity and the seed file, never the seed', () => {
      const text = describeNatsFailure(new Error('Authorization Violation'), withSeed, url);
      expect(text).toContain('hub-eur');
      expect(text).toContain(seedFile);
      expect(text).toContain('Authorization Violation');
      expect(text).toContain(url);
      expect(text).not.toContain(userSeed);
      expect(text).not.toContain(userSeed.slice(2, 20));
    });

    it.each([
      ['Authorization Violation'],
      ['authentication expired'],
      ['certificate verify failed'],
      ['TLS handshake failed'],
      ['ECONNREFUSED 127.0.0.1:4222'],
    ])('never the seed text (%s)', (message) => {
      for (const err of [new Error(message), message]) {
        expect(describeNatsFailure(err, withSeed, url)).not.toContain(userSeed);
      }
    });

    it('never a password', () => {
      const c: NatsCredentials = { identity: 'platform', user: 'platform', password: 'hunter2-secret' };
      for (const m of ['Authorization Violation', 'TLS handshake', 'ECONNREFUSED']) {
        const text = describeNatsFailure(new Error(m), c, url);
        expect(text).not.toContain('hunter2-secret');
        expect(text).toContain('platform');
      }
    });

    it('a TLS failure points at the TLS variables', () => {
      const text = describeNatsFailure(new Error('unable to verify the first certificate'), withSeed, url);
      expect(text).toMatch(/^TLS with NATS at nats:\/\/nats:4222 failed for hub-eur/);
      expect(text).toContain('NATS_TLS_CA_FILE');
    });

    it('anything else says how it tried', () => {
      expect(describeNatsFailure(new Error('ECONNREFUSED'), withSeed, url)).toBe(
        `cannot connect to NATS at ${url} as hub-eur with the nkey in NATS_NKEY_SEED_FILE=${seedFile}: ECONNREFUSED`,
      );
      expect(describeNatsFailure('boom', undefined, url)).toBe(
        `cannot connect to NATS at ${url} as this process with no credentials (anonymous): boom`,
      );
      expect(describeNatsFailure(new Error('x'), { identity: 'admin', credsFile }, url)).toContain(
        `NATS_CREDS_FILE=${credsFile}`,
      );
    });

    it('an anonymous refusal says so', () => {
      expect(describeNatsFailure(new Error('Authorization Violation'), { identity: 'admin' }, url)).toContain(
        'no credentials (anonymous)',
      );
    });
  });
});

describe('readNatsCredentials: a folder where a file belongs', () => {
  it('names the variable instead of failing on the folder', () => {
    const env = { NATS_NKEY_SEED_FILE: tmpdir() };
    const r = new EnvReader(env);
    readNatsCredentials(r, 'hub-eur', env);
    expect(r.problems).toEqual([expect.stringContaining('NATS_NKEY_SEED_FILE=')]);
  });
});
