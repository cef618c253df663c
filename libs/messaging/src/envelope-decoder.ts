import { CloudEvent } from '@ctp/contracts';
import { PermanentEventError } from './errors';

const REQUIRED_STRINGS = ['id', 'source', 'type'] as const;

/** A message's NATS headers, as far as decoding reads them (nats' `MsgHdrs`). */
export interface MessageHeaders {
  keys(): string[];
  values(k: string): string[];
}

/** The CloudEvents content mode of a message (CloudEvents NATS protocol binding, 3 "NATS Message Mapping"). */
export type ContentMode = 'structured' | 'binary';

/** The prefix of the headers that carry CloudEvents attributes in binary mode. */
export const CE_HEADER_PREFIX = 'ce-';

/**
 * Which content mode a message is in. The NATS binding: a `Content-Type` header starting `application/cloudevents`
 * (any case) means structured, anything else binary. A message without that header and without any `ce-` header is
 * taken as structured too: that is how CTP's producers published before they set `Content-Type` (the stream still
 * holds such messages, and `npm run platform:rebuild` reads it from the start), and a binary-mode message always has
 * `ce-` headers (its `ce-specversion`, `ce-id`, …).
 */
export function contentModeOf(headers: MessageHeaders | undefined): ContentMode {
  if (!headers) return 'structured';
  let binary = false;
  for (const key of headers.keys()) {
    const name = key.toLowerCase();
    if (name === 'content-type' && headers.values(key).some((v) => /^application\/cloudevents/i.test(v.trim()))) {
      return 'structured';
    }
    if (name.startsWith(CE_HEADER_PREFIX)) binary = true;
  }
  return binary ? 'binary' : 'structured';
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A binary-mode header value as the NATS binding decodes it (3.1.3.2): a value in double quotes is unquoted first
 * (backslash escapes), then one round of percent-decoding, whose bytes must be valid UTF-8 (an overlong `%C0%A0` is
 * refused). A `%` not followed by two hex digits is refused too: the value was not percent-encoded, so it cannot be
 * read safely. Throws `INVALID_ENVELOPE` naming `header`.
 */
export function decodeCeHeaderValue(header: string, raw: string): string {
  const value = raw.startsWith('"') ? unquote(header, raw) : raw;
  if (!value.includes('%')) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    if (value[i] !== '%') {
      out += value[i];
      i += 1;
      continue;
    }
    const bytes: number[] = [];
    while (i < value.length && value[i] === '%') {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw invalid(
          `${header} is not percent-encoded as the CloudEvents NATS binding requires: "%" must be followed by two hex digits`,
        );
      }
      bytes.push(parseInt(hex, 16));
      i += 3;
    }
    try {
      out += UTF8.decode(new Uint8Array(bytes));
    } catch {
      throw invalid(`${header} percent-encodes bytes that are not valid UTF-8`);
    }
  }
  return out;
}

/** An RFC 7230 quoted-string (`"…"`, a backslash escaping the next character), unquoted; nothing may follow it. */
function unquote(header: string, quoted: string): string {
  let out = '';
  for (let i = 1; i < quoted.length; i++) {
    const c = quoted[i];
    if (c === '\\' && i + 1 < quoted.length) {
      out += quoted[++i];
    } else if (c === '"') {
      if (i !== quoted.length - 1) break;
      return out;
    } else {
      out += c;
    }
  }
  throw invalid(`${header} is not a valid quoted string`);
}

/**
 * The CloudEvents attributes of a binary-mode message, from its `ce-` headers (names in any case, as NATS header names
 * are case-insensitive): `ce-id` → `id`, `ce-correlationid` → `correlationid`, …, each value decoded
 * (`decodeCeHeaderValue`). A header named like no attribute can be (`ce-` then anything but lower-case letters and
 * digits, or `ce-data`) is not an attribute and is left out. Throws `INVALID_ENVELOPE` for a value it cannot decode, or
 * an attribute given twice with different values.
 */
function binaryAttributesOf(headers: MessageHeaders): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const key of headers.keys()) {
    const lower = key.toLowerCase();
    if (!lower.startsWith(CE_HEADER_PREFIX)) continue;
    const name = lower.slice(CE_HEADER_PREFIX.length);
    if (!/^[a-z0-9]{1,64}$/.test(name) || name === 'data') continue;
    const header = `${CE_HEADER_PREFIX}${name}`;
    for (const raw of headers.values(key)) {
      const value = decodeCeHeaderValue(header, raw);
      if (Object.hasOwn(attributes, name) && attributes[name] !== value) {
        throw invalid(`${header} is given more than once, with different values`);
      }
      attributes[name] = value;
    }
  }
  return attributes;
}

/** The header `name` (any case), its first value, or undefined. */
function headerValue(headers: MessageHeaders, name: string): string | undefined {
  for (const key of headers.keys()) {
    if (key.toLowerCase() === name) return headers.values(key)[0];
  }
  return undefined;
}

/** `application/json`, `application/json; charset=utf-8`, `application/ld+json`, …: a media type whose body is JSON. */
const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

function invalid(message: string): PermanentEventError {
  return new PermanentEventError('INVALID_ENVELOPE', message);
}

/** The checks of an envelope's attributes, whichever mode carried them; `name` spells an attribute as its mode does. */
function checkAttributes(e: Record<string, unknown>, name: (attribute: string) => string): void {
  if (e.specversion !== '1.0') {
    throw invalid(`${name('specversion')} must be "1.0", got ${JSON.stringify(e.specversion)}`);
  }
  for (const field of REQUIRED_STRINGS) {
    if (typeof e[field] !== 'string' || (e[field] as string).length === 0) {
      throw invalid(`${name(field)} must be a non-empty string`);
    }
  }
}

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw new PermanentEventError('UNDECODABLE', `payload is not JSON: ${(err as Error).message}`);
  }
}

const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns a message into a CloudEvent, or says precisely why it cannot (a poison message): the reason becomes the dead
 * letter's `Ctp-Dlq-Reason` header. The one decoder of every CloudEvents consumer (the platform, partner-liaison), for
 * both content modes of the CloudEvents NATS binding (`contentModeOf`):
 *
 *  - structured: the body is the JSON envelope, attributes and `data`;
 *  - binary: the attributes are `ce-` headers (`decodeCeHeaderValue`), the body is the data alone, JSON
 *    (`ce-datacontenttype`, else `Content-Type`, when present, must be a JSON media type).
 *
 * Both give the same envelope and the same checks, in the same order: `specversion` "1.0", then `id`, `source` and
 * `type` non-empty strings, then `data` a JSON object; an error names the attribute as its mode spells it (`id` or
 * `ce-id`). The reasons are the same: `UNDECODABLE` for a body that is not JSON, else `INVALID_ENVELOPE`.
 */
export function decodeEnvelope(data: Uint8Array, headers?: MessageHeaders): CloudEvent {
  if (contentModeOf(headers) === 'binary') return decodeBinary(data, headers!);
  const parsed = parseJson(data);
  if (!isJsonObject(parsed)) throw invalid('payload is not a JSON object');
  checkAttributes(parsed, (a) => a);
  if (!isJsonObject(parsed.data)) throw invalid('data must be a JSON object');
  return parsed as unknown as CloudEvent;
}

function decodeBinary(data: Uint8Array, headers: MessageHeaders): CloudEvent {
  const attributes = binaryAttributesOf(headers);
  checkAttributes(attributes, (a) => `${CE_HEADER_PREFIX}${a}`);
  const contentType = attributes.datacontenttype ?? headerValue(headers, 'content-type');
  if (contentType !== undefined && !JSON_MEDIA_TYPE.test(contentType.trim())) {
    throw invalid(
      `${attributes.datacontenttype !== undefined ? 'ce-datacontenttype' : 'Content-Type'} must be a JSON media type (application/json), got ${JSON.stringify(contentType)}`,
    );
  }
  if (data.length === 0) throw invalid('data (the message body) must be a JSON object');
  const body = parseJson(data);
  if (!isJsonObject(body)) throw invalid('data (the message body) must be a JSON object');
  return {
    ...attributes,
    ...(attributes.datacontenttype === undefined && contentType !== undefined ? { datacontenttype: contentType } : {}),
    data: body,
  } as unknown as CloudEvent;
}

/**
 * What a message says it is, without judging it (never throws): the envelope as structured mode would carry it — the
 * body in structured mode; in binary mode the `ce-` attributes that decode, with the body (parsed) as `data` — or
 * undefined when there is none (not JSON, not an object). For dead letters, whose message may be anything at all.
 */
export function envelopeViewOf(
  data: Uint8Array,
  headers: MessageHeaders | undefined,
): { mode: ContentMode; envelope: Record<string, unknown> | undefined } {
  const mode = contentModeOf(headers);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    body = undefined;
  }
  if (mode === 'structured') return { mode, envelope: isJsonObject(body) ? body : undefined };
  const attributes: Record<string, unknown> = {};
  for (const key of headers!.keys()) {
    const lower = key.toLowerCase();
    if (!lower.startsWith(CE_HEADER_PREFIX)) continue;
    const name = lower.slice(CE_HEADER_PREFIX.length);
    if (!/^[a-z0-9]{1,64}$/.test(name) || name === 'data' || Object.hasOwn(attributes, name)) continue;
    try {
      attributes[name] = decodeCeHeaderValue(`${CE_HEADER_PREFIX}${name}`, headers!.values(key)[0] ?? '');
    } catch {
      // undecodable: left out, as a structured envelope's absent attribute would be
    }
  }
  return { mode, envelope: { ...attributes, ...(body === undefined ? {} : { data: body }) } };
}

/**
 * For subjects fed by a stock NestJS `ClientProxy.emit()` (or a plain client sending the same JSON): the packet
 * `{ pattern, data }` becomes an envelope of type `type`, identified by its Nats-Msg-Id when the sender set one and
 * otherwise by its stream position (so a redelivery is still recognised).
 */
export function nestPacketDecoder(type: string, source: string) {
  return (msg: {
    data: Uint8Array;
    seq: number;
    headers?: { get(k: string): string } | undefined;
    info: { stream: string };
    time: Date;
  }): CloudEvent => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(msg.data).toString('utf8'));
    } catch (err) {
      throw new PermanentEventError('UNDECODABLE', `payload is not JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PermanentEventError('INVALID_ENVELOPE', 'payload is not a JSON object');
    }
    const packet = parsed as { data?: unknown; pattern?: unknown };
    const data = 'data' in packet && 'pattern' in packet ? packet.data : parsed;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new PermanentEventError('INVALID_ENVELOPE', 'data must be a JSON object');
    }
    const msgId = msg.headers?.get('Nats-Msg-Id');
    const correlationid = msg.headers?.get('X-Correlation-Id') || msg.headers?.get('Ctp-Correlation-Id') || undefined;
    return {
      specversion: '1.0',
      id: msgId || `${msg.info.stream}:${msg.seq}`,
      source,
      type,
      time: msg.time.toISOString(),
      datacontenttype: 'application/json',
      ...(correlationid ? { correlationid } : {}),
      data,
    };
  };
}
