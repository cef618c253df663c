import { ApiError, describeError, missingRight } from './errors';

describe('API errors as the console shows them', () => {
  it('names the missing scope of a 403', () => {
    const body = {
      statusCode: 403,
      error: 'Forbidden',
      message: 'needs scope ops:read; the token has registry:read',
      details: [
        { field: 'scope', rule: 'requiredScope', message: 'needs scope ops:read; the token has registry:read' },
      ],
    };
    expect(missingRight(body)).toBe('ops:read');
    const shown = describeError(new ApiError(403, body, '/console/operations'));
    expect(shown.kind).toBe('forbidden');
    expect(shown.detail).toContain('ops:read');
    expect(missingRight({ message: 'needs scope registry:read or registry:read-restricted; the token has none' })).toBe(
      'registry:read or registry:read-restricted',
    );
  });

  it('names the organisation a 403 needs', () => {
    const message = 'organisation IP-HUB-EUR may not use this route: it needs the General Secretariat (IP-GS-CTP)';
    expect(missingRight({ details: [{ field: 'org', rule: 'ownOrganisation', message }] })).toBe(
      'the General Secretariat (IP-GS-CTP)',
    );
  });

  it('asks to sign in again on a 401, and says what else failed', () => {
    expect(
      describeError(new ApiError(401, { message: 'a valid bearer token is required: expired' }, '/rollups')).kind,
    ).toBe('session');
    expect(describeError(new ApiError(404, { message: 'no overlap pair 42' }, '/overlaps/42'))).toEqual({
      kind: 'not-found',
      title: 'Not found',
      detail: 'no overlap pair 42',
    });
    expect(describeError(new ApiError(400, { message: ['a', 'b'] }, '/x')).detail).toBe('a; b');
    expect(describeError(new ApiError(502, undefined, '/x')).detail).toBe('HTTP 502');
    expect(describeError(new TypeError('Failed to fetch'))).toMatchObject({ kind: 'other', detail: 'Failed to fetch' });
  });
});
