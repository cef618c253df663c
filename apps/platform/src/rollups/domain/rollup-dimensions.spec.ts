import { parseGroupBy } from './rollup-dimensions';

describe('parseGroupBy', () => {
  it('takes the dimensions asked for, in order', () => {
    expect(parseGroupBy('kind, region')).toEqual(['kind', 'region']);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'region,valueOf', 'prototype'])(
    'refuses %s, which is not a dimension (no prototype key reaches the SQL)',
    (value) => {
      expect(() => parseGroupBy(value)).toThrow(/unknown dimension/);
    },
  );

  it('refuses a repeated dimension', () => expect(() => parseGroupBy('region,region')).toThrow(/repeated/));
});
