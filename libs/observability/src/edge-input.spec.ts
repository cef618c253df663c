import { parse } from 'node:querystring';
import { HttpException } from '@nestjs/common';
import { JSON_MAX_DEPTH, jsonDepthExceeds, prototypeKeyIn, requestTextProblems, verifyJsonBody } from './edge-input';

const request = (path: string, qs = '') => ({ path, query: parse(qs) });
const rules = (path: string, qs = '') => requestTextProblems(request(path, qs)).map((p) => `${p.field}:${p.rule}`);

describe('requestTextProblems (path and query, before routing)', () => {
  it('passes an ordinary request', () => {
    expect(rules('/initiatives/IP-HUB-EUR-op%20sentinel', 'limit=10&reporter=IP-HUB-EUR&status=A&status=B')).toEqual(
      [],
    );
    expect(rules('/initiatives/IP-HUB-EUR-caf%C3%A9')).toEqual([]);
  });

  it.each([
    ['a NUL', '/initiatives/IP-HUB-EUR-x%00'],
    ['an escape', '/partners/PT-UNODC%1B'],
    ['a DEL', '/partners/%7F'],
    ['a line break', '/initiatives/a%0Ab'],
  ])('refuses %s in the decoded path', (_label, path) => {
    expect(rules(path)).toEqual(['path:noControlCharacters']);
  });

  it.each(['/initiatives/%E0%A4%A', '/initiatives/%ZZ', '/initiatives/%', '/initiatives/%ED%A0%80'])(
    'refuses the malformed percent-encoding %s',
    (path) => {
      expect(rules(path)).toEqual(['path:percentEncoding']);
    },
  );

  it('refuses a control character in any value of any parameter, naming it once', () => {
    expect(rules('/initiatives', 'reporter=a%00&cluster=ok&cursor=%01&cursor=%02')).toEqual([
      'cursor:noControlCharacters',
      'reporter:noControlCharacters',
    ]);
  });

  it('refuses a control character in the name of a parameter', () => {
    expect(rules('/initiatives', 'a%00b=1')).toEqual(['a?b:noControlCharacters']);
  });

  it('refuses a lone surrogate in a query value (however the parser produced it)', () => {
    expect(requestTextProblems({ path: '/x', query: { q: ['ok', 'a\udc00'] } } as never)).toEqual([
      expect.objectContaining({ field: 'q', rule: 'noLoneSurrogate' }),
    ]);
  });

  it.each([
    ['a lone surrogate as UTF-8 bytes', 'reporter=%ED%A0%80', 'reporter:percentEncoding'],
    ['a truncated sequence', 'cluster=%E0%A4%A', 'cluster:percentEncoding'],
    ['a % without hex digits', 'cursor=%ZZ', 'cursor:percentEncoding'],
  ])('refuses %s in a query value, as in a path', (_label, qs, expected) => {
    const problems = requestTextProblems({ path: '/initiatives', query: parse(qs), originalUrl: `/initiatives?${qs}` });
    expect(problems.map((p) => `${p.field}:${p.rule}`)).toContain(expected);
  });

  it('passes a well-formed percent-encoded query, + for spaces included', () => {
    const qs = 'q=caf%C3%A9+au+lait&reporter=IP-HUB-EUR';
    expect(requestTextProblems({ path: '/initiatives', query: parse(qs), originalUrl: `/initiatives?${qs}` })).toEqual(
      [],
    );
  });

  it('walks nested query objects without recursion', () => {
    let nested: Record<string, unknown> = { v: 'x\u0000' };
    for (let i = 0; i < 10_000; i++) nested = { n: nested };
    expect(requestTextProblems({ path: '/x', query: { q: nested } } as never)).toHaveLength(1);
  });
});

describe('verifyJsonBody (the JSON parser verify hook)', () => {
  const refusal = (body: Buffer, charset: string | null = 'utf-8') => {
    try {
      verifyJsonBody(undefined, undefined, body, charset);
      return undefined;
    } catch (err) {
      const r = (err as HttpException).getResponse() as { details: { field: string; rule: string }[] };
      return { status: (err as HttpException).getStatus(), ...r.details[0] };
    }
  };
  const deep = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));

  it.each([
    ['a nested constructor', '{"status":{"constructor":{}}}', 'status.constructor'],
    ['a top-level __proto__', '{"__proto__":{"x":1}}', '__proto__'],
    ['prototype inside an array', '{"a":[1,{"prototype":-1}]}', 'a[1].prototype'],
    ['a key spelled with an escape', '{"title":{"\\u0063onstructor":true}}', 'title.constructor'],
  ])('refuses %s with 400 noPrototypeKeys naming the key', (_label, json, field) => {
    expect(refusal(Buffer.from(json))).toEqual({
      status: 400,
      field,
      rule: 'noPrototypeKeys',
      message: expect.any(String),
    });
  });

  it('sees a prototype key behind a byte-order mark (the body parser drops the BOM before parsing)', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"constructor":{}}')]);
    expect(refusal(body)).toEqual({
      status: 400,
      field: 'constructor',
      rule: 'noPrototypeKeys',
      message: expect.any(String),
    });
  });

  it('passes the words as values, and bodies that never mention them', () => {
    expect(prototypeKeyIn(Buffer.from('{"description":"the constructor of the prototype","a":"__proto__"}'))).toBe(
      undefined,
    );
    expect(prototypeKeyIn(Buffer.from('{"title":{"lang":"en","text":"x"}}'))).toBeUndefined();
  });

  it('passes JSON nested up to the limit', () => {
    expect(refusal(deep(JSON_MAX_DEPTH))).toBeUndefined();
    expect(refusal(Buffer.from('{"a":[{"b":{"c":[1,2,{"d":"é"}]}}]}'))).toBeUndefined();
  });

  it('refuses JSON nested deeper, 2,000 levels too, with 400 maxDepth', () => {
    expect(refusal(deep(JSON_MAX_DEPTH + 1))).toMatchObject({ status: 400, field: 'body', rule: 'maxDepth' });
    expect(refusal(Buffer.from('{"a":'.repeat(2000) + '1' + '}'.repeat(2000)))).toMatchObject({ rule: 'maxDepth' });
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ t: '['.repeat(100) + '\\"' + '{'.repeat(100), u: '"[[[' });
    expect(jsonDepthExceeds(Buffer.from(text), 2)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('{"a\\"":[[1]]}'), 2)).toBe(true);
  });

  it('refuses bytes that are not UTF-8 with 400 isUtf8', () => {
    expect(refusal(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]))).toMatchObject({
      status: 400,
      field: 'body',
      rule: 'isUtf8',
    });
    expect(refusal(Buffer.from('{"a":"\\ud800"}'))).toBeUndefined(); // an escaped surrogate is the contract's to judge
  });

  it('refuses another charset with 415', () => {
    expect(refusal(Buffer.from('{}', 'utf16le'), 'utf-16le')).toMatchObject({
      status: 415,
      field: 'Content-Type',
      rule: 'charset',
    });
    expect(refusal(Buffer.from('{}'), 'utf8')).toBeUndefined();
  });
});
