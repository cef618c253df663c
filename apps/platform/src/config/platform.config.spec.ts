import { EnvReader } from '@ctp/observability';
import {
  CONSOLE_DEFAULT_CLIENT_ID,
  CONSOLE_DEFAULT_SCOPE,
  loadPlatformConfig,
  parseConsoleServices,
  readConsoleConfig,
} from './platform.config';

/** The console's settings read from `env`, and the problems found (each naming its variable). */
function read(env: Record<string, string>) {
  const r = new EnvReader(env);
  const config = readConsoleConfig(r, env);
  return { config, problems: r.problems };
}

describe("the platform's console settings (CONSOLE_*)", () => {
  it('serves no console without CONSOLE_OIDC_AUTHORITY (deny by default), with every other default', () => {
    const { config, problems } = read({});
    expect(problems).toEqual([]);
    expect(config).toEqual({
      environment: 'production',
      staticDir: 'dist/console',
      services: [],
      streamPollMs: 1000,
      streamMaxPerIdentity: 5,
      streamMaxTotal: 200,
    });
    expect(config.oidc).toBeUndefined();
  });

  it('reads the provider, client and scope; loopback http is development', () => {
    const { config, problems } = read({ CONSOLE_OIDC_AUTHORITY: 'http://127.0.0.1:3999/' });
    expect(problems).toEqual([]);
    expect(config.oidc).toEqual({
      authority: 'http://127.0.0.1:3999',
      clientId: CONSOLE_DEFAULT_CLIENT_ID,
      scope: CONSOLE_DEFAULT_SCOPE,
    });
    expect(config.environment).toBe('development');
    const custom = read({
      CONSOLE_OIDC_AUTHORITY: 'https://login.example.org/realms/ctp',
      CONSOLE_OIDC_CLIENT_ID: 'ctp-console-prod',
      CONSOLE_OIDC_SCOPE: '  openid   registry:read ',
      CONSOLE_STATIC_DIR: '/srv/console',
    });
    expect(custom.problems).toEqual([]);
    expect(custom.config).toMatchObject({
      oidc: {
        authority: 'https://login.example.org/realms/ctp',
        clientId: 'ctp-console-prod',
        scope: 'openid registry:read',
      },
      environment: 'production',
      staticDir: '/srv/console',
    });
  });

  it.each([
    [{ CONSOLE_OIDC_AUTHORITY: 'not a url' }, /^CONSOLE_OIDC_AUTHORITY="not a url" must be the OpenID Connect issuer/],
    [{ CONSOLE_OIDC_AUTHORITY: 'ftp://login.example.org' }, /^CONSOLE_OIDC_AUTHORITY=/],
    [{ CONSOLE_OIDC_AUTHORITY: 'https://u:p@login.example.org' }, /^CONSOLE_OIDC_AUTHORITY=.*without credentials/],
    [{ CONSOLE_OIDC_AUTHORITY: 'http://login.example.org' }, /^CONSOLE_OIDC_AUTHORITY=.*https:\/\/ URL in production/],
    [{ CONSOLE_OIDC_CLIENT_ID: 'has space' }, /^CONSOLE_OIDC_CLIENT_ID="has space" must be/],
    [{ CONSOLE_OIDC_SCOPE: 'registry:read' }, /^CONSOLE_OIDC_SCOPE="registry:read" must include openid/],
    [{ CONSOLE_OIDC_SCOPE: 'openid "quoted"' }, /^CONSOLE_OIDC_SCOPE=.* must be scopes separated by spaces/],
    [{ CONSOLE_ENVIRONMENT: 'staging' }, /^CONSOLE_ENVIRONMENT="staging" is not allowed/],
    [{ CONSOLE_STREAM_POLL_MS: '10' }, /^CONSOLE_STREAM_POLL_MS="10" must be a whole number from 100 to 60000/],
    [{ CONSOLE_STREAM_MAX_PER_IDENTITY: '0' }, /^CONSOLE_STREAM_MAX_PER_IDENTITY=/],
    [{ CONSOLE_STREAM_MAX_TOTAL: 'many' }, /^CONSOLE_STREAM_MAX_TOTAL=/],
  ])('refuses %j, naming the variable', (env, message) => {
    const { problems } = read(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('lets a development deployment use plain http to a provider elsewhere, when it says so', () => {
    const { config, problems } = read({
      CONSOLE_OIDC_AUTHORITY: 'http://oidc:3999',
      CONSOLE_ENVIRONMENT: 'development',
    });
    expect(problems).toEqual([]);
    expect(config.oidc?.authority).toBe('http://oidc:3999');
  });

  it('reports a bad console setting with the platform’s others, in the one start-up error', () => {
    expect(() =>
      loadPlatformConfig({ CONSOLE_SERVICES: '{', CONSOLE_OIDC_SCOPE: 'email' }, { serveHttp: false }),
    ).toThrow(/platform: invalid configuration:\n {2}- CONSOLE_OIDC_SCOPE=.*\n {2}- CONSOLE_SERVICES is not JSON/);
  });
});

describe('CONSOLE_SERVICES', () => {
  const parse = (raw: string | undefined, environment: 'development' | 'production' = 'development') => {
    const r = new EnvReader({});
    return { services: parseConsoleServices(r, raw, environment), problems: r.problems };
  };

  it('is a JSON array of {name, url}; none when unset or empty', () => {
    expect(parse(undefined)).toEqual({ services: [], problems: [] });
    expect(parse('  ')).toEqual({ services: [], problems: [] });
    expect(
      parse(
        JSON.stringify([
          { name: 'hub-eur', url: 'http://127.0.0.1:3104/' },
          { name: 'partner-liaison', url: 'https://liaison.internal:8443/ctp' },
        ]),
      ),
    ).toEqual({
      services: [
        { name: 'hub-eur', url: 'http://127.0.0.1:3104' },
        { name: 'partner-liaison', url: 'https://liaison.internal:8443/ctp' },
      ],
      problems: [],
    });
  });

  it.each([
    ['[', /is not JSON/],
    ['{"name":"a","url":"http://x"}', /must be a JSON array/],
    ['[1]', /\[0\] is not an object/],
    ['[{"name":"a","url":"http://x","token":"t"}]', /\[0\] has unknown field\(s\) token/],
    ['[{"name":"Hub EUR","url":"http://x"}]', /\[0\]\.name must be a lower-case name/],
    ['[{"name":"a","url":"http://x"},{"name":"a","url":"http://y"}]', /\[1\]\.name "a" is listed twice/],
    ['[{"name":"a","url":"file:///etc/passwd"}]', /\[0\]\.url must be an http:\/\/ or https:\/\/ URL/],
    ['[{"name":"a","url":"http://u:p@x"}]', /\[0\]\.url must be/],
    ['[{"name":"a"}]', /\[0\]\.url must be/],
    [JSON.stringify(Array.from({ length: 51 }, (_, i) => ({ name: `s${i}`, url: 'http://x' }))), /more than 50/],
  ])('refuses %s, naming CONSOLE_SERVICES and showing the expected form', (raw, message) => {
    const { services, problems } = parse(raw);
    expect(services).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CONSOLE_SERVICES /);
    expect(problems[0]).toMatch(message);
    expect(problems[0]).toMatch(/expected e\.g\. \[\{"name":"hub-eur"/);
  });

  describe("sends the caller's token to each /metrics, so in production plain http is refused but on loopback", () => {
    const services = (...urls: string[]) => JSON.stringify(urls.map((url, i) => ({ name: `s${i}`, url })));

    it('accepts https anywhere and http on loopback (127.0.0.1, localhost, [::1])', () => {
      const raw = services(
        'https://hub-eur.internal:8443',
        'http://127.0.0.1:3104',
        'http://localhost:3105',
        'http://[::1]:3106',
      );
      const { services: read, problems } = parse(raw, 'production');
      expect(problems).toEqual([]);
      expect(read.map((s) => s.url)).toEqual([
        'https://hub-eur.internal:8443',
        'http://127.0.0.1:3104',
        'http://localhost:3105',
        'http://[::1]:3106',
      ]);
    });

    it.each(['http://hub-eur.internal:3104', 'http://10.0.0.7:3104', 'http://127.0.0.1.example.org'])(
      'refuses %s in production, naming CONSOLE_SERVICES, the entry and the way out',
      (url) => {
        const { services: read, problems } = parse(services('https://ok.internal', url), 'production');
        expect(read).toEqual([]);
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^CONSOLE_SERVICES \[1\]\.url ".*" must be https:\/\/ in production/);
        expect(problems[0]).toContain(JSON.stringify(url));
        expect(problems[0]).toContain("the caller's token is sent to its /metrics");
        expect(problems[0]).toContain('CONSOLE_ENVIRONMENT=development');
      },
    );

    it('accepts http elsewhere when the console says it is development', () => {
      expect(parse(services('http://hub-eur:3104'), 'development').problems).toEqual([]);
    });

    it('follows the console environment: explicit, or development by a loopback provider', () => {
      const hub = services('http://hub-eur:3104');
      const production = read({ CONSOLE_OIDC_AUTHORITY: 'https://login.example.org', CONSOLE_SERVICES: hub });
      expect(production.problems).toEqual([expect.stringMatching(/^CONSOLE_SERVICES \[0\]\.url .*must be https/)]);
      expect(read({ CONSOLE_SERVICES: hub }).problems).toHaveLength(1); // no console: production by default
      expect(
        read({ CONSOLE_OIDC_AUTHORITY: 'http://oidc:3999', CONSOLE_ENVIRONMENT: 'development', CONSOLE_SERVICES: hub })
          .problems,
      ).toEqual([]);
      expect(read({ CONSOLE_OIDC_AUTHORITY: 'http://127.0.0.1:3999', CONSOLE_SERVICES: hub }).problems).toEqual([]);
      expect(() =>
        loadPlatformConfig({ CONSOLE_ENVIRONMENT: 'production', CONSOLE_SERVICES: hub }, { serveHttp: false }),
      ).toThrow(
        /platform: invalid configuration:\n {2}- CONSOLE_SERVICES \[0\]\.url "http:\/\/hub-eur:3104" must be https/,
      );
    });
  });
});
