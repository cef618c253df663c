import { isUtf8 } from 'node:buffer';
import type { NextFunction, Request, Response } from 'express';
import { FieldProblem } from '@ctp/contracts';
import { RequestProblem, sendError, toErrorBody } from './http-errors';
import { printable, requestTextProblem } from './request-text';

/** The deepest a JSON body may nest objects and arrays (an initiative needs 3). */
export const JSON_MAX_DEPTH = 32;
/** The largest JSON body, after any Content-Encoding is undone. */
export const JSON_BODY_LIMIT = '1mb';

/**
 * Refuses, before routing, a request whose path or query could not be read safely: a malformed percent-encoding in
 * the path, a control character (U+0000–U+001F, U+007F) or a lone surrogate in the decoded path, in a query
 * parameter's name or in any of its values. 400 naming `path` or the parameter, with the rule.
 */
export function refuseUnreadableRequestText(req: Request, res: Response, next: NextFunction): void {
  const problems = requestTextProblems(req);
  if (problems.length === 0) return next();
  sendError(
    res,
    toErrorBody(
      new RequestProblem(400, `invalid request: ${[...new Set(problems.map((p) => p.field))].join(', ')}`, problems),
    ),
  );
}

/** What `refuseUnreadableRequestText` refuses a request for (empty: nothing). */
export function requestTextProblems(req: Pick<Request, 'path' | 'query'> & { originalUrl?: string }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  let path: string | undefined;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    problems.push({
      field: 'path',
      rule: 'percentEncoding',
      message: 'the path holds a malformed percent-encoding (% must be followed by two hex digits of UTF-8)',
    });
  }
  if (path !== undefined) {
    const broken = requestTextProblem(path);
    if (broken) problems.push({ field: 'path', rule: broken.rule, message: `the path ${broken.message}` });
  }
  const raw = rawQueryOf(req);
  if (raw) {
    for (const part of raw.split('&')) {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      try {
        decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        problems.push({
          field: printable(safeDecode(name), 40) || 'query',
          rule: 'percentEncoding',
          message: `query parameter ${printable(safeDecode(name), 40)} holds a malformed percent-encoding (% must be followed by two hex digits of UTF-8)`,
        });
      }
    }
  }
  let query: unknown;
  try {
    query = req.query;
  } catch {
    problems.push({ field: 'query', rule: 'percentEncoding', message: 'the query string could not be read' });
  }
  if (query === null || typeof query !== 'object') return problems;
  // Iteratively: a query parser that builds nested objects must not lead to recursion on the caller's terms.
  const stack: [string, unknown][] = Object.entries(query as Record<string, unknown>);
  const named = new Set<string>();
  while (stack.length) {
    const [name, value] = stack.pop()!;
    const field = printable(name, 40);
    const nameBroken = requestTextProblem(name);
    if (nameBroken && !named.has(field)) {
      named.add(field);
      problems.push({
        field,
        rule: nameBroken.rule,
        message: `the name of query parameter ${field} ${nameBroken.message}`,
      });
      continue;
    }
    if (typeof value === 'string') {
      const broken = requestTextProblem(value);
      if (broken && !named.has(field)) {
        named.add(field);
        problems.push({ field, rule: broken.rule, message: `${field} ${broken.message}` });
      }
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        stack.push([Array.isArray(value) ? name : k, v]);
      }
    }
  }
  return problems;
}

/** The query string as sent (after `?`), or '' (requests built in tests may have no originalUrl). */
function rawQueryOf(req: { originalUrl?: string }): string {
  const url = req.originalUrl ?? '';
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * The JSON parser's `verify` hook, on the raw bytes before they are parsed: UTF-8 only (415 `charset` for another
 * charset, 400 `isUtf8` for bytes that are not UTF-8, instead of replacing them by U+FFFD), and objects and arrays
 * nested at most JSON_MAX_DEPTH deep (400 `maxDepth`), counted in one pass without recursion.
 */
export function verifyJsonBody(_req: unknown, _res: unknown, body: Buffer, encoding: string | null): void {
  const charset = (encoding ?? 'utf-8').toLowerCase();
  if (charset !== 'utf-8' && charset !== 'utf8') {
    throw bodyProblem(415, 'Content-Type', 'charset', `a JSON body must be UTF-8 (charset ${printable(charset, 40)})`);
  }
  if (!isUtf8(body)) {
    throw bodyProblem(400, 'body', 'isUtf8', 'the request body is not valid UTF-8');
  }
  const depth = jsonDepthExceeds(body, JSON_MAX_DEPTH);
  if (depth) {
    throw bodyProblem(400, 'body', 'maxDepth', `the JSON body nests objects and arrays deeper than ${JSON_MAX_DEPTH}`);
  }
  const key = prototypeKeyIn(body);
  if (key) {
    throw bodyProblem(
      400,
      key,
      'noPrototypeKeys',
      `${key}: no key of a request body may be named __proto__, constructor or prototype (no field of this API is)`,
    );
  }
}

/** Keys that, used as object keys, reach into JavaScript's objects instead of naming data. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const PROTOTYPE_KEY_HINTS = ['__proto__', 'constructor', 'prototype', '\\u'].map((h) => Buffer.from(h));

/**
 * The path of the first key named `__proto__`, `constructor` or `prototype` in a JSON body, or undefined. A class
 * mapper (class-transformer) walks such keys into the prototype chain and throws; nothing of the contract is named so.
 * Most bodies mention none of the three words (nor a `\u` escape that could spell one): those are not parsed twice.
 */
export function prototypeKeyIn(body: Buffer): string | undefined {
  if (!PROTOTYPE_KEY_HINTS.some((hint) => body.includes(hint))) return undefined;
  let parsed: unknown;
  try {
    // The body parser drops a leading byte-order mark before it parses: so must this check, or a BOM would hide a key.
    parsed = JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return undefined; // the body parser refuses it too, and says why
  }
  const stack: [unknown, string][] = [[parsed, '']];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push([v, `${path}[${i}]`]));
      continue;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const field = path ? `${path}.${k}` : k;
      if (PROTOTYPE_KEYS.has(k)) return printable(field, 120);
      stack.push([v, field]);
    }
  }
  return undefined;
}

/** Whether the JSON text in `bytes` nests objects and arrays more than `max` deep (brackets in strings ignored). */
export function jsonDepthExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: the next byte is escaped
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x7b || b === 0x5b) {
      if (++depth > max) return true;
    } else if (b === 0x7d || b === 0x5d) {
      depth--;
    }
  }
  return false;
}

function bodyProblem(status: number, field: string, rule: string, message: string): RequestProblem {
  return new RequestProblem(status, message, [{ field, rule, message }]);
}
