import { isUtf8 } from 'node:buffer';
import { FieldProblem } from '@ctp/contracts';
import { RequestProblem } from './http-errors';
import { printable, requestTextProblem } from './request-text';

/** The longest whole number a query parameter may be written with (digits), far above any bound we set. */
const MAX_DIGITS = 15;
/** Free text in a query (a reporter's ref, an initiative id): at most this many characters. */
export const QUERY_TEXT_MAX_LENGTH = 200;
/** An opaque cursor (base64url): at most this many characters. */
const CURSOR_MAX_LENGTH = 400;

/**
 * The one way the services read their query parameters (docs/security.md "Input at the HTTP edge"), each problem
 * collected so that one 400 names every bad parameter and its rule (`done()`):
 *
 * - a parameter not in `known` (when given) is refused (`known`);
 * - every parameter is single-valued: given twice (`?limit=1&limit=2`) it is refused (`singleValue`);
 * - an empty value (`?status=`) is the same as an absent one;
 * - no control character or lone surrogate in any value (`noControlCharacters`, `noLoneSurrogate`);
 * - whole numbers in plain decimal digits only (`decimalDigits`: no sign, space, `0x`, exponent), within bounds (`range`);
 * - enumerations by exact, own membership (`isIn`): `constructor` or `__proto__` is not a member of anything.
 */
export class QueryParams {
  private readonly problems: FieldProblem[] = [];
  private readonly query: Record<string, unknown>;

  constructor(query: unknown, known?: readonly string[]) {
    this.query = query !== null && typeof query === 'object' ? (query as Record<string, unknown>) : {};
    if (known) {
      const allowed = new Set(known);
      for (const name of Object.keys(this.query)) {
        if (!allowed.has(name)) {
          const use = known.length ? `use ${known.join(', ')}` : 'this endpoint takes none';
          this.problem(name, 'known', `unknown query parameter ${printable(name, 40)}; ${use}`);
        }
      }
    }
  }

  /** Whether the parameter was given with a value. */
  has(name: string): boolean {
    const v = this.raw(name);
    return v !== undefined && v !== '';
  }

  /** The one value of a parameter as given, or undefined when absent or empty (or refused). */
  single(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') {
      this.problem(name, 'singleValue', `${name} must be given once, with one value`);
      return undefined;
    }
    const broken = requestTextProblem(v);
    if (broken) {
      this.problem(name, broken.rule, `${name} ${broken.message}`);
      return undefined;
    }
    return v;
  }

  /** Free text (an id, a ref) of at most `maxLength` characters. */
  text(name: string, maxLength = QUERY_TEXT_MAX_LENGTH): string | undefined {
    const v = this.single(name);
    if (v !== undefined && v.length > maxLength) {
      this.problem(name, 'maxLength', `${name} must be at most ${maxLength} characters`);
      return undefined;
    }
    return v;
  }

  /** Text matching `pattern` (rule `matches`). */
  optionalString(name: string, pattern: RegExp = /^[A-Za-z0-9._-]{1,200}$/): string | undefined {
    const v = this.single(name);
    if (v !== undefined && !pattern.test(v)) {
      this.problem(name, 'matches', `${name} is not a valid value`);
      return undefined;
    }
    return v;
  }

  /** A whole number written in decimal digits, from `min` to `max`; `fallback` when absent. */
  wholeNumber(name: string, bounds: { min: number; max: number; fallback: number }): number {
    const v = this.single(name);
    if (v === undefined) return bounds.fallback;
    const range = `${name} must be a whole number from ${bounds.min} to ${bounds.max}`;
    if (!/^[0-9]+$/.test(v)) {
      this.problem(name, 'decimalDigits', `${range}, written in decimal digits only`);
      return bounds.fallback;
    }
    const n = v.length > MAX_DIGITS ? Infinity : Number(v);
    if (n < bounds.min || n > bounds.max) {
      this.problem(name, 'range', range);
      return bounds.fallback;
    }
    return n;
  }

  /** The page size: 1 to `max`, `fallback` when absent. */
  limit(fallback: number, max: number): number {
    return this.wholeNumber('limit', { min: 1, max, fallback });
  }

  /** One of `allowed`, exactly. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.single(name);
    if (v !== undefined && !new Set<string>(allowed).has(v)) {
      this.problem(name, 'isIn', `${name} must be one of ${allowed.join(', ')}`);
      return undefined;
    }
    return v as T | undefined;
  }

  /** `true` or `false`; undefined when absent. */
  boolean(name: string): boolean | undefined {
    const v = this.oneOfRule(name, ['true', 'false'], 'isBoolean', `${name} must be true or false`);
    return v === undefined ? undefined : v === 'true';
  }

  /** A value `accept` approves of (rule `rule`, e.g. `isoCountry`); `accept` sees a single, clean string. */
  satisfying(name: string, accept: (v: string) => boolean, rule: string, message: string): string | undefined {
    const v = this.single(name);
    if (v !== undefined && !accept(v)) {
      this.problem(name, rule, message);
      return undefined;
    }
    return v;
  }

  /** A numeric cursor these endpoints gave out (a seq, an id); 0 when absent. */
  cursor(name = 'cursor'): number {
    const v = this.cursorText(name, (s) => (/^[0-9]{1,15}$/.test(s) ? s : undefined));
    return v === undefined ? 0 : Number(v);
  }

  /**
   * An opaque cursor: `decode` turns the value into what the endpoint gave out (undefined when it cannot), else the
   * parameter is refused (`valid`).
   */
  cursorText<T>(name: string, decode: (v: string) => T | undefined): T | undefined {
    const v = this.single(name);
    if (v === undefined) return undefined;
    const decoded = v.length <= CURSOR_MAX_LENGTH ? decode(v) : undefined;
    if (decoded === undefined) this.problem(name, 'valid', `${name} is not one this endpoint gave out`);
    return decoded;
  }

  /**
   * The cursor of a page of initiatives: the base64url id of the last one the previous page gave out; refused
   * (`valid`) unless it decodes to an id under one of `prefixes` (an owner's `<ref>-`, or the platform's `IP-`/`PT-`).
   */
  initiativeCursor(name: string, prefixes: readonly string[]): string | undefined {
    return this.cursorText(name, (v) => {
      const id = base64urlCursorText(v);
      return id !== undefined && prefixes.some((p) => id.startsWith(p)) ? id : undefined;
    });
  }

  /** Records a problem found by the caller. */
  problem(field: string, rule: string, message: string): void {
    this.problems.push({ field, rule, message });
  }

  /** Throws the 400 naming every bad parameter, if anything was wrong. */
  done(): void {
    if (this.problems.length) {
      throw new RequestProblem(
        400,
        `invalid query: ${[...new Set(this.problems.map((p) => printable(p.field, 40)))].join(', ')}`,
        this.problems.map((p) => ({ ...p, field: printable(p.field, 40) })),
      );
    }
  }

  private oneOfRule(name: string, allowed: readonly string[], rule: string, message: string): string | undefined {
    const v = this.single(name);
    if (v !== undefined && !allowed.includes(v)) {
      this.problem(name, rule, message);
      return undefined;
    }
    return v;
  }

  private raw(name: string): unknown {
    return Object.hasOwn(this.query, name) ? this.query[name] : undefined;
  }
}

/**
 * The text a base64url cursor stands for (a record id these endpoints gave out), or undefined when the value is not
 * base64url, or decodes to bytes that are not UTF-8 or to text with a control character.
 */
export function base64urlCursorText(value: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length === 0 || !isUtf8(bytes)) return undefined;
  const text = bytes.toString('utf8');
  return requestTextProblem(text) ? undefined : text;
}

/**
 * One page of a list read with `limit + 1` rows: the first `limit` as items, and when there was one more, the cursor
 * after the last item (its initiative id, base64url) that `QueryParams.initiativeCursor` reads back.
 */
export function initiativePage<R, T extends { initiativeId: string }>(
  rows: readonly R[],
  limit: number,
  item: (row: R) => T,
): { items: T[]; nextCursor?: string } {
  const items = rows.slice(0, limit).map(item);
  return rows.length > limit
    ? { items, nextCursor: Buffer.from(items[items.length - 1].initiativeId, 'utf8').toString('base64url') }
    : { items };
}
