import { parse } from 'node:querystring';
import { HttpException } from '@nestjs/common';
import { base64urlCursorText, initiativePage, QueryParams } from './query-params';

/** The query as Express 5 hands it over (node:querystring: repeated names become arrays). */
const query = (qs: string) => parse(qs) as Record<string, unknown>;

/** The details of the 400 `done()` throws, or [] when it does not throw. */
function problems(read: (q: QueryParams) => void, qs: string, known?: string[]) {
  const q = new QueryParams(query(qs), known);
  read(q);
  try {
    q.done();
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(HttpException);
    expect((err as HttpException).getStatus()).toBe(400);
    return ((err as HttpException).getResponse() as { details: { field: string; rule: string }[] }).details.map(
      ({ field, rule }) => ({ field, rule }),
    );
  }
}

describe('QueryParams', () => {
  describe('whole numbers', () => {
    it.each([
      ['limit=10', 10],
      ['limit=1', 1],
      ['limit=500', 500],
      ['limit=007', 7],
      ['', 50],
      ['limit=', 50],
    ])('%s reads as %s', (qs, n) => {
      const q = new QueryParams(query(qs));
      expect(q.limit(50, 500)).toBe(n);
      expect(() => q.done()).not.toThrow();
    });

    it.each(['0x10', '1e2', ' 10', '+5', '-1', '10.0', '1_0', '0b1', 'Infinity', 'NaN', '１', '10 '])(
      'refuses limit=%j: decimal digits only',
      (v) => {
        expect(problems((q) => q.limit(50, 500), `limit=${encodeURIComponent(v)}`)).toEqual([
          { field: 'limit', rule: 'decimalDigits' },
        ]);
      },
    );

    it.each(['0', '501', '99999999999999999999999'])('refuses limit=%s: out of range', (v) => {
      expect(problems((q) => q.limit(50, 500), `limit=${v}`)).toEqual([{ field: 'limit', rule: 'range' }]);
    });
  });

  describe('single values', () => {
    it.each([
      ['limit=1&limit=2', (q: QueryParams) => q.limit(50, 500), 'limit'],
      ['status=A&status=B', (q: QueryParams) => q.oneOf('status', ['A', 'B']), 'status'],
      ['reporter=a&reporter=b', (q: QueryParams) => q.text('reporter'), 'reporter'],
      ['cursor=1&cursor=2', (q: QueryParams) => q.cursor(), 'cursor'],
      [
        'includeWithdrawn=true&includeWithdrawn=true',
        (q: QueryParams) => q.boolean('includeWithdrawn'),
        'includeWithdrawn',
      ],
    ])('%s is refused as singleValue (never "trim is not a function")', (qs, read, field) => {
      expect(problems(read, qs)).toEqual([{ field, rule: 'singleValue' }]);
    });

    it('refuses a nested value (a query parser that builds objects) as singleValue', () => {
      const q = new QueryParams({ limit: { a: '1' } });
      q.limit(50, 500);
      expect(() => q.done()).toThrow(/limit/);
    });
  });

  describe('enumerations', () => {
    it.each(['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'length'])(
      'refuses %s, which only an object prototype has',
      (v) => {
        expect(problems((q) => q.oneOf('status', ['PIPELINE', 'COMPLETED']), `status=${v}`)).toEqual([
          { field: 'status', rule: 'isIn' },
        ]);
      },
    );

    it('takes an allowed value exactly', () => {
      const q = new QueryParams(query('status=PIPELINE'));
      expect(q.oneOf('status', ['PIPELINE', 'COMPLETED'])).toBe('PIPELINE');
      expect(problems((p) => p.oneOf('status', ['PIPELINE']), 'status=pipeline')).toEqual([
        { field: 'status', rule: 'isIn' },
      ]);
    });

    it('reads booleans as true or false only', () => {
      expect(new QueryParams(query('x=true')).boolean('x')).toBe(true);
      expect(new QueryParams(query('x=false')).boolean('x')).toBe(false);
      expect(new QueryParams(query('')).boolean('x')).toBeUndefined();
      expect(problems((q) => q.boolean('x'), 'x=1')).toEqual([{ field: 'x', rule: 'isBoolean' }]);
    });
  });

  describe('free text', () => {
    it.each([
      ['a NUL', 'reporter=IP-HUB-EUR%00', 'noControlCharacters'],
      ['an escape', 'reporter=%1B%5B31m', 'noControlCharacters'],
      ['a DEL', 'reporter=a%7F', 'noControlCharacters'],
      ['a line break', 'reporter=a%0Ab', 'noControlCharacters'],
    ])('refuses %s', (_label, qs, rule) => {
      expect(problems((q) => q.text('reporter'), qs)).toEqual([{ field: 'reporter', rule }]);
    });

    it('refuses a lone surrogate', () => {
      const q = new QueryParams({ reporter: 'IP-\ud800' });
      q.text('reporter');
      expect(() => q.done()).toThrow(/reporter/);
    });

    it('takes text with accents and pairs of surrogates, and refuses the overlong', () => {
      const q = new QueryParams({ reporter: 'IP-HUB-EUR é 😀' });
      expect(q.text('reporter')).toBe('IP-HUB-EUR é 😀');
      expect(problems((p) => p.text('reporter', 5), 'reporter=abcdef')).toEqual([
        { field: 'reporter', rule: 'maxLength' },
      ]);
    });
  });

  describe('known parameters', () => {
    it('refuses an unknown parameter by name, own keys only', () => {
      expect(problems(() => undefined, 'limit=1&constructor=x&__proto__=y', ['limit'])).toEqual([
        { field: 'constructor', rule: 'known' },
        { field: '__proto__', rule: 'known' },
      ]);
    });

    it('does not read a parameter from the prototype of a plain object', () => {
      const q = new QueryParams({}, ['toString']);
      expect(q.single('toString')).toBeUndefined();
      expect(q.has('constructor')).toBe(false);
    });

    it('names a parameter whose name holds a control character without echoing it', () => {
      const q = new QueryParams({ 'a\u0000b': '1' }, ['limit']);
      expect(() => q.done()).toThrow(/a\?b/);
    });

    it('says so when an endpoint takes none', () => {
      const q = new QueryParams(query('groupBy=constructor'), []);
      expect(() => q.done()).toThrow(HttpException);
      try {
        q.done();
      } catch (err) {
        expect(JSON.stringify((err as HttpException).getResponse())).toContain('this endpoint takes none');
      }
    });
  });

  describe('cursors', () => {
    it('reads a numeric cursor, 0 when absent', () => {
      expect(new QueryParams(query('cursor=42')).cursor()).toBe(42);
      expect(new QueryParams(query('')).cursor()).toBe(0);
      expect(problems((q) => q.cursor(), 'cursor=4e2')).toEqual([{ field: 'cursor', rule: 'valid' }]);
    });

    it('decodes a base64url cursor to the id it stands for', () => {
      const cursor = Buffer.from('IP-HUB-EUR-op-1', 'utf8').toString('base64url');
      expect(base64urlCursorText(cursor)).toBe('IP-HUB-EUR-op-1');
    });

    it.each([
      ['NUL bytes', 'AAAA'],
      ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x41]).toString('base64url')],
      ['not base64url', 'a+b/c='],
      ['empty after decoding', 'A'],
    ])('refuses a cursor of %s', (_label, value) => {
      expect(base64urlCursorText(value)).toBeUndefined();
      expect(
        problems((q) => q.cursorText('cursor', base64urlCursorText), `cursor=${encodeURIComponent(value)}`),
      ).toEqual([{ field: 'cursor', rule: 'valid' }]);
    });
  });

  it('collects every problem into one 400', () => {
    expect(
      problems(
        (q) => {
          q.limit(50, 500);
          q.oneOf('status', ['A']);
          q.text('reporter');
        },
        'limit=0x10&status=constructor&reporter=a&reporter=b&extra=1',
        ['limit', 'status', 'reporter'],
      ),
    ).toEqual([
      { field: 'extra', rule: 'known' },
      { field: 'limit', rule: 'decimalDigits' },
      { field: 'status', rule: 'isIn' },
      { field: 'reporter', rule: 'singleValue' },
    ]);
  });
});

describe('pages of initiatives', () => {
  const ids = ['IP-HUB-EUR-a', 'IP-HUB-EUR-b', 'IP-HUB-EUR-c'];

  it('gives a cursor after the last item only when there was one more row, and reads it back', () => {
    const page = initiativePage(ids, 2, (initiativeId) => ({ initiativeId }));
    expect(page.items.map((i) => i.initiativeId)).toEqual(['IP-HUB-EUR-a', 'IP-HUB-EUR-b']);
    const q = new QueryParams({ cursor: page.nextCursor });
    expect(q.initiativeCursor('cursor', ['IP-HUB-EUR-'])).toBe('IP-HUB-EUR-b');
    expect(() => q.done()).not.toThrow();
    expect(initiativePage(ids, 3, (initiativeId) => ({ initiativeId })).nextCursor).toBeUndefined();
  });

  it("refuses a cursor under another owner's prefix, naming the parameter", () => {
    const cursor = Buffer.from('IP-HUB-AFR-x', 'utf8').toString('base64url');
    expect(problems((q) => q.initiativeCursor('cursor', ['IP-HUB-EUR-']), `cursor=${cursor}`)).toEqual([
      { field: 'cursor', rule: 'valid' },
    ]);
  });
});
