import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../support/services';

/*
 * The alert rules of deploy/monitoring checked by Prometheus's own tool: `promtool check rules`, `promtool check config`
 * (the configuration as the container reads it) and `promtool test rules` (every alert firing and not firing, in
 * deploy/monitoring/prometheus/tests). promtool comes with Debian's `prometheus` package (.ci/run installs it); without
 * it these tests fail, saying so, rather than pass unchecked. That the rules and the dashboard use only metrics the
 * services export is monitoring-metrics.test.ts.
 */
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const PROMETHEUS_DIR = join(ROOT, 'deploy/monitoring/prometheus');
const RULES = join(PROMETHEUS_DIR, 'rules/ctp-alerts.yml');
const RULE_TESTS = join(PROMETHEUS_DIR, 'tests/ctp-alerts.test.yml');
const OPERATIONS = join(ROOT, 'docs/operations.md');

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  name: string;
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}

const alerts = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) =>
  g.rules.filter((r) => r.alert),
);

function promtool(...args: string[]): string {
  try {
    return execFileSync(PROMTOOL, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        `${PROMTOOL} not found: install Debian's prometheus package (apt-get install prometheus; only its promtool is ` +
          'used) or set PROMTOOL to a promtool binary',
      );
    }
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('alert rules (deploy/monitoring/prometheus)', () => {
  beforeAll(() => {
    // Fails every test below with what to install when promtool is missing.
    promtool('--version');
  });

  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', RULES)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('are loaded by a configuration promtool check config accepts', () => {
    // The configuration as the container reads it; only the token file (a compose secret) is elsewhere here.
    const dir = mkdtempSync(join(tmpdir(), 'ctp-prometheus-'));
    try {
      const config = readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8');
      expect(config).toContain('credentials_file: /run/secrets/ctp-metrics-token');
      writeFileSync(join(dir, 'metrics-token'), 'a-token\n');
      writeFileSync(
        join(dir, 'prometheus.yml'),
        config.replace('/run/secrets/ctp-metrics-token', join(dir, 'metrics-token')),
      );
      symlinkSync(join(PROMETHEUS_DIR, 'rules'), join(dir, 'rules'));
      const out = promtool('check', 'config', join(dir, 'prometheus.yml'));
      expect(out).toMatch(/SUCCESS: 1 rule files found/);
      expect(out).toContain('ctp-alerts.yml');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pass their unit tests (promtool test rules)', () => {
    expect(promtool('test', 'rules', RULE_TESTS)).toContain('SUCCESS');
  });

  it('are each unit-tested both firing and not firing', () => {
    const tests = (parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: RuleTest[] }).tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    );
    const coverage = alerts.map((a) => {
      const cases = tests.filter((t) => t.alertname === a.alert);
      return {
        alert: a.alert,
        firing: cases.some((t) => (t.exp_alerts ?? []).length > 0),
        notFiring: cases.some((t) => (t.exp_alerts ?? []).length === 0),
      };
    });
    expect(coverage).toEqual(alerts.map((a) => ({ alert: a.alert, firing: true, notFiring: true })));
  });

  it('each say how urgent they are, wait a while before firing, and link to their runbook in docs/operations.md', () => {
    const headings = new Set(
      [...readFileSync(OPERATIONS, 'utf8').matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1])),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const a of alerts) {
      expect([a.alert, a.labels?.severity]).toEqual([a.alert, expect.stringMatching(/^(page|ticket)$/)]);
      expect([a.alert, a.for]).toEqual([a.alert, expect.stringMatching(/^\d+[smh]$/)]);
      expect([a.alert, Boolean(a.annotations?.summary && a.annotations?.description)]).toEqual([a.alert, true]);
      const url = a.annotations?.runbook_url ?? '';
      expect([a.alert, url]).toEqual([a.alert, `docs/operations.md#${a.alert.toLowerCase()}`]);
      expect([a.alert, headings.has(url.split('#')[1])]).toEqual([a.alert, true]);
    }
  });
});
