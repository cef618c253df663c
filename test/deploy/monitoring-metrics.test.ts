import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { as } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { freePort, TestNatsServer } from '../support/nats-server';
import { ROOT, ServiceProcess } from '../support/services';

/*
 * The alert rules and the Grafana dashboard of deploy/monitoring ask only for metrics the services export: a hub, the
 * platform and partner-liaison are started for real and their GET /metrics (with an ops:read token, as Prometheus
 * scrapes it) is read; every metric name in a rule's or a panel's query must be there. prom-client writes `# TYPE` for
 * every registered metric, with or without samples, so a counter nothing has incremented yet still counts.
 */
const RULES = join(ROOT, 'deploy/monitoring/prometheus/rules/ctp-alerts.yml');
const DASHBOARD = join(ROOT, 'deploy/monitoring/grafana/dashboards/ctp-flow.json');

/** Names the queries may use that no service exports, and who makes them. */
const NOT_FROM_THE_SERVICES: Record<string, string> = {
  up: 'Prometheus, per scrape target',
  ALERTS: "Prometheus, the alerts' state",
  probe_success: 'the blackbox exporter (job ctp-ready: GET /health/ready)',
};

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless']);
const MORE_KEYWORDS = new Set(['offset', 'bool', 'inf', 'nan', 'atan2']);

/**
 * The metric names a PromQL expression reads: strings, label matchers, ranges, grouping clauses and Grafana variables
 * taken out, then every identifier that is not a function or aggregation (followed by `(`) nor a keyword.
 */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.:])[A-Za-z_:][\w:]*/g)) {
    const word = m[0];
    const rest = bare.slice(m.index! + word.length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(word) || MORE_KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

function dashboardQueries(): { where: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Panel[];
    templating?: { list: { name: string; query?: string | { query?: string } }[] };
  };
  const out: { where: string; expr: string }[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dash.panels);
  for (const v of dash.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    // label_values(metric, label): the label is not a metric.
    if (q) out.push({ where: `variable ${v.name}`, expr: q.replace(/label_values\(([^,)]*),[^)]*\)/, '$1') });
  }
  return out;
}

function ruleQueries(): { where: string; expr: string }[] {
  const groups = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] })
    .groups;
  return groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
}

/** Metric name → type, from the `# TYPE` lines of a Prometheus text exposition. */
function typesIn(exposition: string): Map<string, string> {
  return new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

/** Whether `name` is exported: itself, or the _bucket/_sum/_count series of an exported histogram or summary. */
function exported(types: Map<string, string>, name: string): boolean {
  if (types.has(name)) return true;
  const m = /^(.+)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const type = types.get(m[1]);
  return type === 'histogram' || (type === 'summary' && m[2] !== 'bucket');
}

describe('monitoring queries use only metrics the services export', () => {
  let nats: TestNatsServer;
  const dbs = {
    hub: TestDatabase.fresh('monhub'),
    platform: TestDatabase.fresh('monplat'),
    liaison: TestDatabase.fresh('monpl'),
  };
  const services: ServiceProcess[] = [];
  const types = new Map<string, string>();
  const typesByService = new Map<string, Map<string, string>>();
  const serviceLabels = new Set<string>();

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    services.push(
      new ServiceProcess(
        'hub',
        { HUB_REGION: 'eur', PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: dbs.hub.url },
        'hub-eur',
      ),
      new ServiceProcess('platform', {
        PORT: String(await freePort()),
        NATS_URL: nats.url,
        DATABASE_URL: dbs.platform.url,
      }),
      new ServiceProcess('partner-liaison', {
        PORT: String(await freePort()),
        NATS_URL: nats.url,
        DATABASE_URL: dbs.liaison.url,
      }),
    );
    await Promise.all(services.map((s) => s.start()));
    for (const s of services) {
      const res = await fetch(`${s.baseUrl}/metrics`, { headers: await as.operator() });
      expect([s.name, res.status]).toEqual([s.name, 200]);
      const text = await res.text();
      typesByService.set(s.name, typesIn(text));
      for (const [name, type] of typesIn(text)) types.set(name, type);
      for (const m of text.matchAll(/[{,]service="([^"]+)"/g)) serviceLabels.add(m[1]);
    }
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await nats?.stop();
    await Promise.all(Object.values(dbs).map((d) => d.drop()));
  });

  it('reads the metric names out of PromQL', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (consumer, le) (rate(ctp_event_batch_duration_seconds_bucket{service="platform", route!~"/a|b"}[$__rate_interval])))',
      ),
    ).toEqual(['ctp_event_batch_duration_seconds_bucket']);
    expect(
      metricNamesIn(
        'sum without (kind) (ctp_consumer_lag) > 1e3 unless on (service) (x_total offset 15m) or count(ALERTS) or vector(0)',
      ),
    ).toEqual(['ctp_consumer_lag', 'x_total', 'ALERTS']);
  });

  it('asks only for metrics the hub, the platform and partner-liaison export (or Prometheus makes)', () => {
    const queries = [...ruleQueries(), ...dashboardQueries()];
    const used = queries.flatMap((q) => metricNamesIn(q.expr).map((name) => ({ where: q.where, name })));
    expect(new Set(used.map((u) => u.name)).size).toBeGreaterThanOrEqual(20);
    const unknown = used.filter((u) => !exported(types, u.name) && !(u.name in NOT_FROM_THE_SERVICES));
    expect(unknown).toEqual([]);
  });

  it('shows every stage of the flow in the dashboard', () => {
    const inDashboard = new Set(dashboardQueries().flatMap((q) => metricNamesIn(q.expr)));
    for (const name of [
      'ctp_outbox_published_total',
      'ctp_consumer_lag',
      'ctp_events_handled_total',
      'ctp_webhook_attempts_total',
      'ctp_dead_letters_total',
      'ctp_detection_backlog',
      'ctp_http_request_duration_seconds_bucket',
      'ctp_outbox_oldest_unsent_age_seconds',
      'ctp_sync_digest_mismatch',
    ])
      expect([name, inDashboard.has(name)]).toEqual([name, true]);
  });

  it('exports the gauges the outbox and reconciliation alerts read, from the services that have them', () => {
    // Each service's relay measures its own outbox; only the platform reconciles. Gauges, so that `max by` and a
    // threshold mean what the rules say.
    const inRules = new Set(ruleQueries().flatMap((q) => metricNamesIn(q.expr)));
    for (const [name, exporters] of [
      ['ctp_outbox_oldest_unsent_age_seconds', ['hub-eur', 'platform', 'partner-liaison']],
      ['ctp_sync_digest_mismatch', ['platform']],
    ] as const) {
      expect([name, inRules.has(name)]).toEqual([name, true]);
      for (const service of exporters)
        expect([service, name, typesByService.get(service)?.get(name)]).toEqual([service, name, 'gauge']);
    }
  });

  it('filters on service names the services really carry', () => {
    // The compose file's hubs are hub-afr … hub-eur; this test runs hub-eur.
    const queries = [...ruleQueries(), ...dashboardQueries()];
    const matchers = queries.flatMap((q) =>
      [...q.expr.matchAll(/\bservice(=~?)"([^"]*)"/g)].map((m) => ({ where: q.where, op: m[1], value: m[2] })),
    );
    expect(matchers.length).toBeGreaterThan(5);
    const unmatched = matchers.filter(({ op, value }) =>
      op === '=' ? !serviceLabels.has(value) : ![...serviceLabels].some((s) => new RegExp(`^(?:${value})$`).test(s)),
    );
    expect(unmatched).toEqual([]);
  });
});
