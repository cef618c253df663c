import { cacheControlOf, consolePolicy, IMMUTABLE, REVALIDATE } from './console-page';

describe("the console's page policy", () => {
  it("allows the console's own scripts only, and fetch() to itself and to the sign-in provider's origin", () => {
    const p = consolePolicy('https://login.example.org/realms/ctp', 'production');
    expect(p['script-src']).toEqual(["'self'"]);
    expect(p['script-src-attr']).toEqual(["'none'"]);
    expect(p['connect-src']).toEqual(["'self'", 'https://login.example.org']);
    expect(p['frame-ancestors']).toEqual(["'none'"]);
    expect(p['object-src']).toEqual(["'none'"]);
    expect(p['default-src']).toEqual(["'self'"]);
    expect(p).toHaveProperty('upgrade-insecure-requests');
    expect(Object.values(p).flat().join(' ')).not.toMatch(/unsafe-eval|\*/);
  });

  it('does not upgrade requests to https in development (plain http on loopback)', () => {
    const p = consolePolicy('http://127.0.0.1:3999', 'development');
    expect(p['connect-src']).toEqual(["'self'", 'http://127.0.0.1:3999']);
    expect(p).not.toHaveProperty('upgrade-insecure-requests');
  });

  it.each([
    ['assets/index-B1x2y3z4.js', IMMUTABLE],
    ['assets/index-DiwrgTda.css', IMMUTABLE],
    ['assets/chunks/echarts-a1B2c3D4_e.js', IMMUTABLE],
    ['assets/logo.svg', REVALIDATE],
    ['assets/index-short.js', REVALIDATE],
    ['index.html', REVALIDATE],
    ['favicon-B1x2y3z4.ico', REVALIDATE],
    ['../assets/index-B1x2y3z4.js', REVALIDATE],
  ])('%s is served with Cache-Control %s', (path, cache) => {
    expect(cacheControlOf(path)).toBe(cache);
  });
});
