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
  image?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  secrets?: { source: string; target: string }[];
  volumes?: string[];
  ports?: string[];
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
const MONITORING = ['prometheus', 'blackbox', 'grafana'];

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

/*
 * The profile `monitoring` (docs/operations.md): Prometheus, the blackbox exporter and Grafana, with the rules, the
 * scrape configuration and the dashboard of deploy/monitoring mounted read-only, scraping exactly the six services.
 */
describe('docker-compose.yml, profile monitoring', () => {
  const service = (name: string) => compose.services[name];
  /** host path → container path of a service's bind mounts of the repository (read-only ones only when `ro`). */
  const mounts = (name: string) =>
    (service(name).volumes ?? [])
      .filter((v) => v.startsWith('./'))
      .map((v) => {
        const [from, to, mode] = v.split(':');
        return { from, to, mode };
      });
  const prometheusConfig = parse(readFileSync(join(ROOT, 'deploy/monitoring/prometheus/prometheus.yml'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: {
      job_name: string;
      params?: Record<string, string[]>;
      authorization?: { type: string; credentials_file: string };
      static_configs: { targets: string[]; labels?: Record<string, string> }[];
      relabel_configs?: { target_label: string; replacement?: string }[];
    }[];
  };
  const job = (name: string) => prometheusConfig.scrape_configs.find((j) => j.job_name === name)!;
  /** Where each CTP service listens inside the compose network. */
  const ctpAddresses = CTP_SERVICES.map(([name, s]) => `${name}:${s.environment!.PORT}`).sort();

  it('starts Prometheus, the blackbox exporter and Grafana only with the profile, and nothing else with it', () => {
    const profiled = Object.entries(compose.services).filter(([, s]) => s.profiles);
    expect(profiled.map(([name]) => name).sort()).toEqual([...MONITORING].sort());
    for (const [, s] of profiled) expect(s.profiles).toEqual(['monitoring']);
    for (const name of MONITORING) expect(service(name).image).toMatch(/^[a-z/-]+:v?\d+\.\d+\.\d+$/);
  });

  it('mounts deploy/monitoring read-only, every mounted file or folder being in the repository', () => {
    const all = MONITORING.flatMap(mounts);
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const m of all) {
      expect([m.from, m.from.startsWith('./deploy/monitoring/'), m.mode]).toEqual([m.from, true, 'ro']);
      expect([m.from, existsSync(join(ROOT, m.from))]).toEqual([m.from, true]);
    }
  });

  it("scrapes every CTP service's /metrics and readiness, where compose runs them", () => {
    expect(
      job('ctp')
        .static_configs.flatMap((c) => c.targets)
        .sort(),
    ).toEqual(ctpAddresses);
    const probes = job('ctp-ready').static_configs.flatMap((c) =>
      c.targets.map((t) => ({ target: t, service: c.labels?.service })),
    );
    expect(probes.map((p) => p.target).sort()).toEqual(ctpAddresses.map((a) => `http://${a}/health/ready`));
    for (const p of probes) expect(p.target).toContain(`//${p.service}:`);
    // Through the blackbox exporter's one module.
    expect(job('ctp-ready').relabel_configs?.find((r) => r.target_label === '__address__')?.replacement).toBe(
      'blackbox:9115',
    );
    const blackbox = parse(readFileSync(join(ROOT, 'deploy/monitoring/blackbox/blackbox.yml'), 'utf8')) as {
      modules: Record<string, unknown>;
    };
    expect(Object.keys(blackbox.modules)).toEqual(job('ctp-ready').params?.module);
  });

  it('gives Prometheus the metrics token as a secret from .ctp/ (ignored by git and Docker), and its rules', () => {
    const auth = job('ctp').authorization!;
    expect(auth.type).toBe('Bearer');
    const secret = (service('prometheus').secrets ?? []).find(
      (s) => `/run/secrets/${s.target}` === auth.credentials_file,
    );
    expect(secret).toBeDefined();
    expect(compose.secrets[secret!.source].file).toMatch(/^\.\/\.ctp\//);
    for (const ignore of ['.gitignore', '.dockerignore'])
      expect(readFileSync(join(ROOT, ignore), 'utf8').split('\n')).toContain(
        ignore === '.gitignore' ? '.ctp/' : '.ctp',
      );
    // rule_files are relative to prometheus.yml, mounted with its folder.
    const config = mounts('prometheus').find((m) => m.to === '/etc/prometheus');
    expect(config?.from).toBe('./deploy/monitoring/prometheus');
    expect(prometheusConfig.rule_files).toEqual(['rules/*.yml']);
  });

  it("provisions Grafana's data source and the dashboard where the provider reads them", () => {
    const grafana = mounts('grafana');
    const provisioning = grafana.find((m) => m.to === '/etc/grafana/provisioning')!;
    const dir = join(ROOT, provisioning.from);
    const datasources = parse(readFileSync(join(dir, 'datasources/prometheus.yml'), 'utf8')) as {
      datasources: { uid: string; url: string }[];
    };
    expect(datasources.datasources.map((d) => d.url)).toEqual(['http://prometheus:9090']);
    const providers = parse(readFileSync(join(dir, 'dashboards/ctp.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    const dashboards = grafana.find((m) => m.to === providers.providers[0].options.path);
    expect(dashboards?.from).toBe('./deploy/monitoring/grafana/dashboards');
    const home = service('grafana').environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(existsSync(join(ROOT, dashboards!.from, home.slice(dashboards!.to.length)))).toBe(true);
    // Every panel reads the provisioned data source.
    const dashboard = JSON.parse(readFileSync(join(ROOT, dashboards!.from, 'ctp-flow.json'), 'utf8')) as {
      panels: { type: string; datasource?: { uid: string } }[];
    };
    const uids = new Set(dashboard.panels.filter((p) => p.datasource).map((p) => p.datasource!.uid));
    expect([...uids]).toEqual([datasources.datasources[0].uid]);
    // The admin password from a secret, never a default.
    expect(service('grafana').environment!.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe(
      `/run/secrets/${service('grafana').secrets![0].target}`,
    );
    expect(service('grafana').environment!.GF_SECURITY_ADMIN_PASSWORD).toBeUndefined();
  });

  it("publishes Prometheus's and Grafana's ports on the host's loopback only", () => {
    for (const name of MONITORING)
      for (const p of service(name).ports ?? [])
        expect([name, p]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:/)]);
  });
});
