import { headers as natsHeaders, MsgHdrs } from '@nats-io/nats-core';
import { contentModeOf, decodeCeHeaderValue, decodeEnvelope, envelopeViewOf } from './envelope-decoder';
import { PermanentEventError } from './errors';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const json = (value: unknown): Uint8Array => bytes(JSON.stringify(value));

const validEnvelope = {
  specversion: '1.0',
  id: '7d4c1a52-8a47-4d55-9a0a-3a1b1f0b9c11',
  source: '/ctp/hubs/eur',
  type: 'ctp.initiative.reported.v1',
  subject: 'IP-HUB-EUR-OP-1',
  time: '2025-01-02T03:04:05.000Z',
  datacontenttype: 'application/json',
  dataschema: 'ctp:initiative:v1',
  correlationid: 'corr-1',
  data: { initiativeId: 'IP-HUB-EUR-OP-1', version: 1 },
};

function without(field: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...validEnvelope };
  delete copy[field];
  return copy;
}

/** Runs the decoder and returns what it threw, failing the test if it did not throw a PermanentEventError. */
function decodeError(data: Uint8Array, headers?: MsgHdrs): PermanentEventError {
  try {
    decodeEnvelope(data, headers);
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentEventError);
    return err as PermanentEventError;
  }
  throw new Error('decodeEnvelope did not throw');
}

describe('decodeEnvelope', () => {
  describe('valid envelopes', () => {
    it('returns the envelope as parsed', () => {
      expect(decodeEnvelope(json(validEnvelope))).toEqual(validEnvelope);
    });

    it('accepts the minimal envelope (only specversion, id, source, type, data) and an empty data object', () => {
      const minimal = { specversion: '1.0', id: 'e1', source: '/ctp/platform', type: 't', data: {} };
      expect(decodeEnvelope(json(minimal))).toEqual(minimal);
    });

    it('keeps extension attributes it does not know', () => {
      const withExt = { ...validEnvelope, traceparent: '00-abc-def-01', causationid: 'e0' };
      expect(decodeEnvelope(json(withExt))).toMatchObject({ traceparent: '00-abc-def-01', causationid: 'e0' });
    });

    it('decodes UTF-8 text in the data', () => {
      const text = 'مبادرة — Übung 日本';
      const decoded = decodeEnvelope(json({ ...validEnvelope, data: { title: { lang: 'ar', text } } }));
      expect((decoded.data as { title: { text: string } }).title.text).toBe(text);
    });

    it('accepts a Buffer as well as a Uint8Array', () => {
      expect(decodeEnvelope(Buffer.from(JSON.stringify(validEnvelope))).id).toBe(validEnvelope.id);
    });
  });

  describe('payload that is not JSON → UNDECODABLE', () => {
    it.each([
      ['plain text', 'hello'],
      ['empty payload', ''],
      ['truncated object', '{"specversion":"1.0",'],
      ['single-quoted keys', "{'id':'x'}"],
      ['trailing garbage', '{}x'],
    ])('%s', (_label, text) => {
      const err = decodeError(bytes(text));
      expect(err.reason).toBe('UNDECODABLE');
      expect(err.message).toMatch(/^payload is not JSON: /);
    });
  });

  describe('JSON that is not an object → INVALID_ENVELOPE', () => {
    it.each([
      ['null', 'null'],
      ['number', '42'],
      ['string', '"an event"'],
      ['boolean', 'true'],
      ['empty array', '[]'],
      ['array of envelopes', JSON.stringify([validEnvelope])],
    ])('%s', (_label, text) => {
      const err = decodeError(bytes(text));
      expect(err.reason).toBe('INVALID_ENVELOPE');
      expect(err.message).toBe('payload is not a JSON object');
    });
  });

  describe('specversion other than "1.0" → INVALID_ENVELOPE', () => {
    it.each([
      ['missing', without('specversion'), 'undefined'],
      ['0.3', { ...validEnvelope, specversion: '0.3' }, '"0.3"'],
      ['the number 1', { ...validEnvelope, specversion: 1 }, '1'],
      ['"1"', { ...validEnvelope, specversion: '1' }, '"1"'],
      ['null', { ...validEnvelope, specversion: null }, 'null'],
    ])('%s', (_label, envelope, shown) => {
      const err = decodeError(json(envelope));
      expect(err.reason).toBe('INVALID_ENVELOPE');
      expect(err.message).toBe(`specversion must be "1.0", got ${shown}`);
    });
  });

  describe.each(['id', 'source', 'type'])('%s missing or not a non-empty string → INVALID_ENVELOPE', (field) => {
    it.each([
      ['missing', without(field)],
      ['empty', { ...validEnvelope, [field]: '' }],
      ['null', { ...validEnvelope, [field]: null }],
      ['a number', { ...validEnvelope, [field]: 7 }],
      ['an object', { ...validEnvelope, [field]: { value: 'x' } }],
    ])('%s', (_label, envelope) => {
      const err = decodeError(json(envelope));
      expect(err.reason).toBe('INVALID_ENVELOPE');
      expect(err.message).toBe(`${field} must be a non-empty string`);
    });
  });

  describe('data missing or not an object → INVALID_ENVELOPE', () => {
    it.each([
      ['missing', without('data')],
      ['null', { ...validEnvelope, data: null }],
      ['a string', { ...validEnvelope, data: '{"initiativeId":"x"}' }],
      ['a number', { ...validEnvelope, data: 0 }],
      ['a boolean', { ...validEnvelope, data: false }],
      ['an array', { ...validEnvelope, data: [{ initiativeId: 'x' }] }],
    ])('%s', (_label, envelope) => {
      const err = decodeError(json(envelope));
      expect(err.reason).toBe('INVALID_ENVELOPE');
      expect(err.message).toBe('data must be a JSON object');
    });
  });

  it('reports the first problem in order: specversion, id, source, type, then data', () => {
    expect(decodeError(json({ id: '', data: null })).message).toMatch(/^specversion/);
    expect(decodeError(json({ specversion: '1.0', data: null })).message).toMatch(/^id /);
    expect(decodeError(json({ specversion: '1.0', id: 'x', data: null })).message).toMatch(/^source /);
    expect(decodeError(json({ specversion: '1.0', id: 'x', source: 's', data: null })).message).toMatch(/^type /);
    expect(decodeError(json({ specversion: '1.0', id: 'x', source: 's', type: 't' })).message).toMatch(/^data /);
  });

  it('throws an error named PermanentEventError', () => {
    expect(decodeError(bytes('nope')).name).toBe('PermanentEventError');
  });
});

/** NATS headers, in the order given (a name may repeat). */
function hdrs(...entries: [string, string][]): MsgHdrs {
  const h = natsHeaders();
  for (const [k, v] of entries) h.append(k, v);
  return h;
}

/** The headers a binary-mode publisher sets for `validEnvelope` (every attribute but data, as `ce-` headers). */
function binaryHeaders(overrides: Record<string, string | undefined> = {}): MsgHdrs {
  const attributes: Record<string, string | undefined> = {
    specversion: '1.0',
    id: validEnvelope.id,
    source: validEnvelope.source,
    type: validEnvelope.type,
    subject: validEnvelope.subject,
    time: validEnvelope.time,
    datacontenttype: validEnvelope.datacontenttype,
    dataschema: validEnvelope.dataschema,
    correlationid: validEnvelope.correlationid,
    ...overrides,
  };
  return hdrs(
    ['Nats-Msg-Id', validEnvelope.id],
    ...Object.entries(attributes)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]): [string, string] => [`ce-${k}`, v]),
  );
}

const body = json(validEnvelope.data);

describe('contentModeOf (the CloudEvents NATS binding)', () => {
  it.each<[string, string, MsgHdrs | undefined]>([
    ['no headers', 'structured', undefined],
    ['only Nats-Msg-Id (CTP producers before Content-Type)', 'structured', hdrs(['Nats-Msg-Id', 'x'])],
    ['Content-Type application/cloudevents+json', 'structured', hdrs(['Content-Type', 'application/cloudevents+json'])],
    [
      'content-type in another case',
      'structured',
      hdrs(['content-type', 'Application/CloudEvents+JSON; charset=utf-8']),
    ],
    [
      'structured, with stray ce- headers',
      'structured',
      hdrs(['Content-Type', 'application/cloudevents+json'], ['ce-id', 'x']),
    ],
    ['ce- headers', 'binary', hdrs(['ce-id', 'x'])],
    ['CE- headers in capitals', 'binary', hdrs(['CE-SPECVERSION', '1.0'])],
    [
      'ce- headers and Content-Type application/json',
      'binary',
      hdrs(['Content-Type', 'application/json'], ['ce-id', 'x']),
    ],
  ])('%s → %s', (_label, mode, headers) => {
    expect(contentModeOf(headers)).toBe(mode);
  });
});

describe('decodeCeHeaderValue (percent-encoding, quoted strings)', () => {
  it.each([
    ['plain', '/ctp/hubs/eur', '/ctp/hubs/eur'],
    ['percent-encoded space and UTF-8', 'Euro%20%E2%82%AC%20%F0%9F%98%80', 'Euro € 😀'],
    ['lower-case hex', '%e2%82%ac', '€'],
    ['unnecessarily encoded', '%41%42C', 'ABC'],
    ['an encoded percent', '100%25', '100%'],
    ['a quoted string', '"a \\"quoted\\" value"', 'a "quoted" value'],
    ['a quoted, percent-encoded string', '"caf%C3%A9"', 'café'],
    ['empty', '', ''],
  ])('%s', (_label, raw, decoded) => {
    expect(decodeCeHeaderValue('ce-x', raw)).toBe(decoded);
  });

  it.each([
    ['an overlong encoding of a space', '%C0%A0', /not valid UTF-8/],
    ['a truncated UTF-8 sequence', '%E2%82', /not valid UTF-8/],
    ['a lone surrogate', '%ED%A0%80', /not valid UTF-8/],
    ['a % without two hex digits', '50% done', /must be followed by two hex digits/],
    ['a % at the end', 'abc%', /must be followed by two hex digits/],
    ['an unterminated quoted string', '"abc', /not a valid quoted string/],
    ['text after the closing quote', '"abc"def', /not a valid quoted string/],
  ])('refuses %s (INVALID_ENVELOPE naming the header)', (_label, raw, message) => {
    let thrown: unknown;
    try {
      decodeCeHeaderValue('ce-subject', raw);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PermanentEventError);
    expect((thrown as PermanentEventError).reason).toBe('INVALID_ENVELOPE');
    expect((thrown as PermanentEventError).message).toMatch(/^ce-subject /);
    expect((thrown as PermanentEventError).message).toMatch(message);
  });
});

describe('decodeEnvelope, binary mode (ce- headers, the data as the body)', () => {
  describe('valid events', () => {
    it('gives the same envelope as the structured event', () => {
      expect(decodeEnvelope(body, binaryHeaders())).toEqual(validEnvelope);
    });

    it('reads header names in any case, and takes Content-Type as datacontenttype when there is no ce-datacontenttype', () => {
      const h = hdrs(
        ['CE-SpecVersion', '1.0'],
        ['Ce-Id', 'e1'],
        ['CE-SOURCE', '/ctp/platform'],
        ['ce-Type', 't'],
        ['Content-Type', 'application/json; charset=utf-8'],
      );
      expect(decodeEnvelope(json({}), h)).toEqual({
        specversion: '1.0',
        id: 'e1',
        source: '/ctp/platform',
        type: 't',
        datacontenttype: 'application/json; charset=utf-8',
        data: {},
      });
    });

    it('accepts the minimal event (specversion, id, source, type, and a JSON object body)', () => {
      const h = hdrs(['ce-specversion', '1.0'], ['ce-id', 'e1'], ['ce-source', '/ctp/platform'], ['ce-type', 't']);
      expect(decodeEnvelope(json({ a: 1 }), h)).toEqual({
        specversion: '1.0',
        id: 'e1',
        source: '/ctp/platform',
        type: 't',
        data: { a: 1 },
      });
    });

    it('keeps extension attributes, percent-decoded, and leaves out headers that name no attribute', () => {
      const h = binaryHeaders();
      h.append('ce-traceparent', '00-abc-def-01');
      h.append('ce-note', 'caf%C3%A9%20cr%C3%A8me');
      h.append('ce-not_an_attribute', 'x');
      h.append('ce-data', '{"initiativeId":"forged"}');
      h.append('X-Other', 'y');
      const decoded = decodeEnvelope(body, h) as unknown as Record<string, unknown>;
      expect(decoded).toMatchObject({ traceparent: '00-abc-def-01', note: 'café crème', data: validEnvelope.data });
      expect(decoded).not.toHaveProperty('not_an_attribute');
      expect(decoded).not.toHaveProperty('X-Other');
    });

    it.each(['application/json', 'application/json;charset=utf-8', 'application/cloudevents-data+json'])(
      'accepts ce-datacontenttype %s',
      (type) => {
        expect(decodeEnvelope(body, binaryHeaders({ datacontenttype: type })).datacontenttype).toBe(type);
      },
    );

    it('accepts an attribute repeated with the same value', () => {
      const h = binaryHeaders();
      h.append('CE-ID', validEnvelope.id);
      expect(decodeEnvelope(body, h).id).toBe(validEnvelope.id);
    });

    it('decodes UTF-8 text in the body', () => {
      const text = 'مبادرة — Übung 日本';
      const decoded = decodeEnvelope(json({ title: { lang: 'ar', text } }), binaryHeaders());
      expect((decoded.data as { title: { text: string } }).title.text).toBe(text);
    });
  });

  describe('the same checks, in the same order, naming the header', () => {
    it.each([
      ['missing', undefined, 'undefined'],
      ['0.3', '0.3', '"0.3"'],
      ['"1"', '1', '"1"'],
    ])('ce-specversion %s → INVALID_ENVELOPE', (_label, value, shown) => {
      const err = decodeError(body, binaryHeaders({ specversion: value }));
      expect(err.reason).toBe('INVALID_ENVELOPE');
      expect(err.message).toBe(`ce-specversion must be "1.0", got ${shown}`);
    });

    describe.each(['id', 'source', 'type'])('ce-%s missing or empty → INVALID_ENVELOPE', (field) => {
      it.each([
        ['missing', undefined],
        ['empty', ''],
      ])('%s', (_label, value) => {
        const err = decodeError(body, binaryHeaders({ [field]: value }));
        expect(err.reason).toBe('INVALID_ENVELOPE');
        expect(err.message).toBe(`ce-${field} must be a non-empty string`);
      });
    });

    it('reports the first problem in order: ce-specversion, ce-id, ce-source, ce-type, then the body', () => {
      const h = (...e: [string, string][]) => hdrs(['ce-subject', 'x'], ...e);
      expect(decodeError(json(null), h()).message).toMatch(/^ce-specversion/);
      expect(decodeError(json(null), h(['ce-specversion', '1.0'])).message).toMatch(/^ce-id /);
      expect(decodeError(json(null), h(['ce-specversion', '1.0'], ['ce-id', 'x'])).message).toMatch(/^ce-source /);
      expect(decodeError(json(null), h(['ce-specversion', '1.0'], ['ce-id', 'x'], ['ce-source', 's'])).message).toMatch(
        /^ce-type /,
      );
    });

    it.each([
      ['null', 'null'],
      ['an array', '[{"initiativeId":"x"}]'],
      ['a string', '"x"'],
      ['a number', '7'],
    ])('a body that is JSON but %s → INVALID_ENVELOPE', (_label, text) => {
      const err = decodeError(bytes(text), binaryHeaders());
      expect(err.reason).toBe('INVALID_ENVELOPE');
      expect(err.message).toBe('data (the message body) must be a JSON object');
    });

    it('an empty body → INVALID_ENVELOPE (no data)', () => {
      expect(decodeError(bytes(''), binaryHeaders()).message).toBe('data (the message body) must be a JSON object');
    });

    it('a body that is not JSON → UNDECODABLE, as in structured mode', () => {
      const err = decodeError(bytes('{"a":'), binaryHeaders());
      expect(err.reason).toBe('UNDECODABLE');
      expect(err.message).toMatch(/^payload is not JSON: /);
    });

    it.each([
      [
        'ce-datacontenttype text/plain',
        binaryHeaders({ datacontenttype: 'text/plain' }),
        /^ce-datacontenttype must be a JSON media type/,
      ],
      [
        'Content-Type application/xml',
        hdrs(
          ['ce-specversion', '1.0'],
          ['ce-id', 'e'],
          ['ce-source', 's'],
          ['ce-type', 't'],
          ['Content-Type', 'application/xml'],
        ),
        /^Content-Type must be a JSON media type/,
      ],
    ])('data that is not JSON by its %s → INVALID_ENVELOPE', (_label, h, message) => {
      const err = decodeError(body, h);
      expect(err.reason).toBe('INVALID_ENVELOPE');
      expect(err.message).toMatch(message);
    });

    it('an attribute given twice with different values → INVALID_ENVELOPE naming it', () => {
      const h = binaryHeaders();
      h.append('CE-ID', 'another');
      expect(decodeError(body, h).message).toBe('ce-id is given more than once, with different values');
    });

    it('a header value that is not percent-encoded → INVALID_ENVELOPE naming it', () => {
      const err = decodeError(body, binaryHeaders({ subject: '%ZZ' }));
      expect(err.reason).toBe('INVALID_ENVELOPE');
      expect(err.message).toMatch(/^ce-subject is not percent-encoded/);
    });
  });

  it('a structured message with stray ce- headers is read from its body alone', () => {
    const h = hdrs(['Content-Type', 'application/cloudevents+json'], ['ce-id', 'not-this']);
    expect(decodeEnvelope(json(validEnvelope), h)).toEqual(validEnvelope);
  });

  it('a binary-mode body that is itself an envelope is data, as the binding says (then judged as data)', () => {
    expect(decodeEnvelope(json(validEnvelope), binaryHeaders()).data).toEqual(validEnvelope);
  });
});

describe('envelopeViewOf (what a dead letter says it is; never throws)', () => {
  it('structured: the body', () => {
    expect(envelopeViewOf(json(validEnvelope), undefined)).toEqual({ mode: 'structured', envelope: validEnvelope });
    expect(envelopeViewOf(bytes('nope'), undefined)).toEqual({ mode: 'structured', envelope: undefined });
    expect(envelopeViewOf(bytes('[1]'), undefined)).toEqual({ mode: 'structured', envelope: undefined });
  });

  it('binary: the attributes that decode, with the body as data', () => {
    expect(envelopeViewOf(body, binaryHeaders())).toEqual({ mode: 'binary', envelope: validEnvelope });
    const broken = envelopeViewOf(bytes('not json'), binaryHeaders({ subject: '%C0%A0', id: undefined }));
    expect(broken.mode).toBe('binary');
    expect(broken.envelope).not.toHaveProperty('subject');
    expect(broken.envelope).not.toHaveProperty('id');
    expect(broken.envelope).not.toHaveProperty('data');
    expect(broken.envelope).toMatchObject({ source: validEnvelope.source, type: validEnvelope.type });
  });
});
