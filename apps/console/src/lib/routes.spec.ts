import {
  overlapsApiPath,
  parseHash,
  queryString,
  recordHref,
  registryApiPath,
  registryFiltersOf,
  registryHref,
} from './routes';

describe('hash routes', () => {
  it('reads the four pages and a record page, the rollups by default', () => {
    expect(parseHash('')).toEqual({ page: 'rollups', params: {} });
    expect(parseHash('#/')).toEqual({ page: 'rollups', params: {} });
    expect(parseHash('#/rollups?status=CLOSED')).toEqual({ page: 'rollups', params: { status: 'CLOSED' } });
    expect(parseHash('#/review')).toEqual({ page: 'review', params: {} });
    expect(parseHash('#/operations/')).toEqual({ page: 'operations', params: {} });
    expect(parseHash('#/registry?region=EUR&stream=IDENTIFICATION&q=')).toEqual({
      page: 'registry',
      params: { region: 'EUR', stream: 'IDENTIFICATION' },
    });
    expect(parseHash('#/registry/IP-HUB-EUR-ftf%2Ftrn')).toEqual({
      page: 'record',
      id: 'IP-HUB-EUR-ftf/trn',
      params: {},
    });
    expect(parseHash('#/registry/%E0%A4%A')).toMatchObject({ page: 'record', id: '%E0%A4%A' });
    expect(parseHash('#/nowhere/x')).toEqual({ page: 'not-found', path: 'nowhere/x', params: {} });
    expect(parseHash('#/review/1')).toMatchObject({ page: 'not-found' });
  });

  it('round-trips registry filters through the hash, dropping empty and unknown ones', () => {
    const href = registryHref({ region: 'EUR', stream: 'IDENTIFICATION', status: undefined, q: ' formation ' });
    expect(href).toBe('#/registry?q=formation&region=EUR&stream=IDENTIFICATION');
    const back = parseHash(href);
    expect(registryFiltersOf(back.params)).toEqual({ q: 'formation', region: 'EUR', stream: 'IDENTIFICATION' });
    expect(registryFiltersOf({ region: 'AFR', evil: 'x', kind: '  ' })).toEqual({ region: 'AFR' });
    expect(registryHref({})).toBe('#/registry');
    expect(recordHref('IP-HUB-EUR-a b')).toBe('#/registry/IP-HUB-EUR-a%20b');
  });
});

describe('API query strings', () => {
  it('builds GET /initiatives with the filters, the page size and the cursor; the country upper-cased', () => {
    expect(registryApiPath({ region: 'EUR', country: 'fr', q: 'Formation régionale' }, undefined, 50)).toBe(
      '/initiatives?q=Formation+r%C3%A9gionale&region=EUR&country=FR&limit=50',
    );
    expect(registryApiPath({}, 'SVAtSFVCLUVVUi0x', 25)).toBe('/initiatives?limit=25&cursor=SVAtSFVCLUVVUi0x');
    expect(registryApiPath({ reporter: 'PT-UNODC', kind: 'TRN', status: 'PIPELINE', stream: 'FINANCING' })).toBe(
      '/initiatives?reporter=PT-UNODC&stream=FINANCING&status=PIPELINE&kind=TRN&limit=50',
    );
  });

  it('builds GET /overlaps for the queue: awaiting a decision, by score', () => {
    expect(overlapsApiPath('NONE')).toBe('/overlaps?decision=NONE&sort=score&limit=100');
    expect(overlapsApiPath('CONFIRMED', '42', 20)).toBe('/overlaps?decision=CONFIRMED&sort=score&limit=20&cursor=42');
  });

  it('leaves out undefined, null and empty values', () => {
    expect(queryString({ a: undefined, b: null, c: '', d: 0, e: false, f: 'x y' })).toBe('?d=0&e=false&f=x+y');
    expect(queryString({})).toBe('');
  });
});
