import { msUntilExpiry } from './token-expiry';

const jwt = (payload: unknown) =>
  `Bearer eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

describe("a stream's end at its token's expiry", () => {
  const now = 1_700_000_000_000;

  it('is the time left until exp', () => {
    expect(msUntilExpiry(jwt({ exp: now / 1000 + 60 }), now)).toBe(60_000);
  });

  it('is now for an expired token, and capped for a far one', () => {
    expect(msUntilExpiry(jwt({ exp: now / 1000 - 1 }), now)).toBe(0);
    expect(msUntilExpiry(jwt({ exp: now / 1000 + 10 ** 9 }), now)).toBe(2 ** 31 - 1);
  });

  it('is unknown without a readable exp', () => {
    expect(msUntilExpiry(undefined, now)).toBeUndefined();
    expect(msUntilExpiry('Basic abc', now)).toBeUndefined();
    expect(msUntilExpiry('Bearer not-a-jwt', now)).toBeUndefined();
    expect(msUntilExpiry(jwt({ sub: 'x' }), now)).toBeUndefined();
    expect(msUntilExpiry(jwt({ exp: '123' }), now)).toBeUndefined();
    expect(msUntilExpiry('Bearer a.!!!.c', now)).toBeUndefined();
  });
});
