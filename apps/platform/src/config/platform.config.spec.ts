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
  const parse = (raw: string | undefined) => {
    const r = new EnvReader({});
    return { services: parseConsoleServices(r, raw), problems: r.problems };
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
});
