import { decodeEnvelope } from './envelope-decoder';
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
function decodeError(data: Uint8Array): PermanentEventError {
  try {
    decodeEnvelope(data);
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
