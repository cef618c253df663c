import { hasScope, isExpired, jwtPayload, mayDecide, scopesOf } from './token';

const b64url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const jwt = (payload: object) => `${b64url('{"alg":"ES256","typ":"at+jwt"}')}.${b64url(JSON.stringify(payload))}.sig`;

describe('reading the access token (what to offer, never a security decision)', () => {
  it('reads the payload of a JWT, with UTF-8 and base64url characters', () => {
    const token = jwt({ sub: 'analyste-é', org: 'IP-GS-CTP', scope: 'registry:read overlaps:decide', n: '??>>' });
    expect(jwtPayload(token)).toEqual({
      sub: 'analyste-é',
      org: 'IP-GS-CTP',
      scope: 'registry:read overlaps:decide',
      n: '??>>',
    });
  });

  it('answers undefined for what is not a JWT with an object payload', () => {
    expect(jwtPayload(undefined)).toBeUndefined();
    expect(jwtPayload('opaque-token')).toBeUndefined();
    expect(jwtPayload('a.b')).toBeUndefined();
    expect(jwtPayload(`x.${b64url('not json')}.y`)).toBeUndefined();
    expect(jwtPayload(`x.${b64url('[1]')}.y`)).toBeUndefined();
  });

  it('splits the space-separated scope claim', () => {
    expect([...scopesOf({ scope: 'openid  registry:read ops:read' })]).toEqual(['openid', 'registry:read', 'ops:read']);
    expect(scopesOf({}).size).toBe(0);
    expect(scopesOf({ scope: 42 as unknown as string }).size).toBe(0);
    expect(hasScope({ scope: 'registry:read-restricted' }, 'registry:read')).toBe(false);
  });

  it('offers decisions only with overlaps:decide at the General Secretariat (the route needs both)', () => {
    expect(mayDecide({ org: 'IP-GS-CTP', scope: 'registry:read overlaps:decide' })).toBe(true);
    expect(mayDecide({ org: 'IP-GS-CTP', scope: 'registry:read' })).toBe(false);
    expect(mayDecide({ org: 'IP-HUB-EUR', scope: 'overlaps:decide' })).toBe(false);
    expect(mayDecide(undefined)).toBe(false);
  });

  it('knows an expired token from its exp claim', () => {
    expect(isExpired({ exp: 1000 }, 1_000_000)).toBe(true);
    expect(isExpired({ exp: 1001 }, 1_000_000)).toBe(false);
    expect(isExpired({}, Date.now())).toBe(false);
  });
});
