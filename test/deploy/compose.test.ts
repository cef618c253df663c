import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateIdentities } from '@ctp/messaging';
import { ROOT } from '../support/services';
import { composeEnv } from '../../scripts/deploy-secrets';

/*
 * docker-compose.yml checked offline (no Docker daemon here): every file it mounts or hands over as a secret is one
 * that `npm run deploy:secrets` writes, each service gets its own NATS identity and no other, and no password has a
 * default written in the file.
 */
interface ComposeService {
  environment?: Record<string, string>;
  secrets?: { source: string; target: string }[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
}

const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
};
const CTP_SERVICES = Object.entries(compose.services).filter(([, s]) => s.environment?.SERVICE);
const IDENTITIES_PREFIX = './deploy/nats/identities/';

describe('docker-compose.yml', () => {
  let generated: string;

  beforeAll(() => {
    generated = join(mkdtempSync(join(tmpdir(), 'ctp-compose-')), 'identities');
    generateIdentities({ out: generated, serverPath: '/etc/nats/identities', containerReadable: true });
  });

  afterAll(() => rmSync(join(generated, '..'), { recursive: true, force: true }));

  it('runs the six services', () => {
    expect(CTP_SERVICES.map(([name]) => name).sort()).toEqual(
      ['hub-afr', 'hub-asi', 'hub-eur', 'hub-mde', 'partner-liaison', 'platform'].sort(),
    );
  });

  it('mounts and hands over only files that deploy:secrets generates', () => {
    const sources = [
      ...Object.values(compose.secrets).map((s) => s.file),
      ...(compose.services.nats.volumes ?? []).map((v) => v.split(':')[0]).filter((v) => v.startsWith('./deploy')),
    ].filter((f) => f.startsWith(IDENTITIES_PREFIX));
    expect(sources.length).toBeGreaterThan(20);
    for (const f of sources)
      expect([f, existsSync(join(generated, f.slice(IDENTITIES_PREFIX.length)))]).toEqual([f, true]);
  });

  it('gives the nats container every file its configuration includes, where it looks for them', () => {
    const mounted = new Set((compose.services.nats.volumes ?? []).map((v) => v.split(':')[1]));
    const conf = readFileSync(join(ROOT, 'deploy/nats/nats.conf'), 'utf8');
    const includes = [...conf.matchAll(/^include\s+"([^"]+)"/gm)].map((m) => join('/etc/nats', m[1]));
    expect(includes.length).toBe(2);
    for (const inc of includes) expect(mounted).toContain(inc);
    const tls = readFileSync(join(generated, 'tls.conf'), 'utf8');
    for (const [, path] of tls.matchAll(/_file:\s*"([^"]+)"/g)) expect(mounted).toContain(path);
  });

  it.each(CTP_SERVICES)('%s connects to NATS as itself only, after provisioning', (name, service) => {
    const env = service.environment!;
    expect(env.NATS_NKEY_SEED_FILE).toBe('/run/secrets/nats-seed');
    const byTarget = Object.fromEntries((service.secrets ?? []).map((s) => [s.target, s.source]));
    expect(byTarget).toEqual({
      'nats-seed': `nats-${name}-seed`,
      'nats-cert': `nats-${name}-cert`,
      'nats-key': `nats-${name}-key`,
      'nats-ca': 'nats-ca',
    });
    expect(compose.secrets[`nats-${name}-seed`].file).toBe(`${IDENTITIES_PREFIX}nkeys/${name}.nk`);
    expect(service.depends_on?.['nats-provision']?.condition).toBe('service_completed_successfully');
    expect(service.depends_on?.['db-provision']?.condition).toBe('service_completed_successfully');
    expect(env.PGUSER).toMatch(/^ctp_/);
    expect(env.AUTH_ISSUER).toMatch(/^\$\{AUTH_ISSUER:\?/);
    expect(env.AUTH_AUDIENCE).toMatch(/^\$\{AUTH_AUDIENCE:\?/);
  });

  it('gives deploy:secrets every variable the file requires', () => {
    const required = [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]))].sort();
    const { added } = composeEnv('', { AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_FILE: 'f' });
    expect(required.filter((v) => !added.includes(v))).toEqual([]);
  });

  it('gives the admin identity to the provisioning step alone', () => {
    const holders = Object.entries(compose.services)
      .filter(([, s]) => (s.secrets ?? []).some((x) => x.source.startsWith('nats-admin-')))
      .map(([n]) => n);
    expect(holders).toEqual(['nats-provision']);
    expect(compose.services['nats-provision'].command).toEqual(['node', 'dist/scripts/nats-provision.js']);
  });

  it('writes no password in the file: each must come from the environment (.env from deploy:secrets)', () => {
    const passwords = [
      ...text.matchAll(
        /\$\{((?:POSTGRES|CTP_DB)_PASSWORD[A-Z_]*|WEBHOOK_SECRET_KEY|AUTH_ISSUER|AUTH_AUDIENCE)([^}]*)\}/g,
      ),
    ];
    expect(passwords.length).toBeGreaterThanOrEqual(10);
    for (const [whole, , rest] of passwords) expect([whole, rest.startsWith(':?')]).toEqual([whole, true]);
  });

  it('keeps the secret files out of everyone else on the host (folder 0700)', () => {
    expect(statSync(generated).mode & 0o777).toBe(0o700);
    expect(statSync(join(generated, 'tls', 'ca.key')).mode & 0o777).toBe(0o600);
  });
});
